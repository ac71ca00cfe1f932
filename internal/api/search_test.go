package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// subjects lists a search's results by subject ("-" for a hidden one).
func subjects(t *testing.T, c *client.Client, q client.SearchQuery) []string {
	t.Helper()
	l, err := c.Search(t.Context(), &q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	out := []string{}
	for _, s := range l.Letters {
		if s.ContentHidden {
			if s.Subject != "" || s.Options != nil {
				t.Errorf("a hidden letter in the results shows %q %+v", s.Subject, s.Options)
			}
			out = append(out, "-")
			continue
		}
		out = append(out, s.Subject)
	}
	return out
}

// TestSearch: GET /api/v1/search (TR PVD-FU §3.1.3.8) by words, sender,
// recipient, subject, file number, days, option and state, in a folder or
// all of them; a personal letter at normal only by what a listing shows
// (DMG §5(4)); pages by cursor; the sender's Bcc in their own copy only.
func TestSearch(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Suchhausen", true), true)
	firm := e.Open(pt.OrgApp("organisation", "Firma Findig", false), false)
	erika := e.Open(pt.PersonApp("Erika", "Sucherin"), true)
	zeuge := e.Open(pt.PersonApp("Zeno", "Zeuge"), false)
	cityC := city.High()
	send := func(c *client.Client, r *api.SendRequest) {
		t.Helper()
		must[*api.SendResponse](t)(c.Send(ctx, r))
		e.Clock.Advance(time.Minute)
	}
	firstSent := e.Clock.Now()
	send(cityC, &api.SendRequest{To: []string{erika.Address}, Bcc: []string{zeuge.Address},
		Subject: "Steuerbescheid für 2026", Text: "x", PrivateID: "AZ-4711/27", ReceiptConfirmation: true})
	send(firm.C, &api.SendRequest{To: []string{erika.Address}, Subject: "Rechnung Mai", Text: "x", PrivateID: "R-12"})
	send(cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Geheime Grundsteuer", Text: "x",
		PrivateID: "AZ-9999", Personal: true})
	runQueues(t, e)
	normal, high := erika.C, erika.High()
	for _, tc := range []struct {
		name         string
		q            client.SearchQuery
		normal, high []string
	}{
		{"a word's start", client.SearchQuery{Text: "STEUER", Folder: "inbox"},
			[]string{"Steuerbescheid für 2026"}, []string{"Steuerbescheid für 2026"}},
		{"umlauts written out", client.SearchQuery{Text: "fuer", Folder: "inbox"},
			[]string{"Steuerbescheid für 2026"}, []string{"Steuerbescheid für 2026"}},
		{"a sender", client.SearchQuery{From: city.Address, Folder: "inbox"},
			[]string{"-", "Steuerbescheid für 2026"}, []string{"Geheime Grundsteuer", "Steuerbescheid für 2026"}},
		{"a subject", client.SearchQuery{Subject: "grundsteuer"}, []string{}, []string{"Geheime Grundsteuer"}},
		// A confirmation carries its letter's file number (TR PVD-IO §3.1).
		{"a file number", client.SearchQuery{FileNumber: "4711"},
			[]string{"*Eingangsbestätigung* Steuerbescheid für 2026", "Steuerbescheid für 2026"},
			[]string{"*Eingangsbestätigung* Steuerbescheid für 2026", "Steuerbescheid für 2026"}},
		{"a file number in the inbox", client.SearchQuery{FileNumber: "4711", Folder: "inbox"},
			[]string{"Steuerbescheid für 2026"}, []string{"Steuerbescheid für 2026"}},
		{"a hidden file number", client.SearchQuery{Text: "az-9999"}, []string{}, []string{"Geheime Grundsteuer"}},
		{"an option", client.SearchQuery{Options: []string{"personal"}}, []string{"-"}, []string{"Geheime Grundsteuer"}},
		{"two options", client.SearchQuery{Options: []string{"personal", "receipt_confirmation"}}, []string{}, []string{}},
		{"a state", client.SearchQuery{States: []string{"unread"}, Folder: "inbox"},
			[]string{"-", "Rechnung Mai", "Steuerbescheid für 2026"}, []string{"Geheime Grundsteuer", "Rechnung Mai", "Steuerbescheid für 2026"}},
		{"the day they came", client.SearchQuery{After: "2027-03-02", Before: "2027-03-02", Folder: "inbox"},
			[]string{"-", "Rechnung Mai", "Steuerbescheid für 2026"}, []string{"Geheime Grundsteuer", "Rechnung Mai", "Steuerbescheid für 2026"}},
		{"a later day", client.SearchQuery{After: "2027-03-03"}, []string{}, []string{}},
		{"before a time", client.SearchQuery{Before: firstSent.Add(30 * time.Second).Format(time.RFC3339), Folder: "inbox"},
			[]string{"Steuerbescheid für 2026"}, []string{"Steuerbescheid für 2026"}},
		// The confirmation of receipt is found with its letter, in its
		// own folder.
		{"every folder", client.SearchQuery{Text: "steuerbescheid"},
			[]string{"*Eingangsbestätigung* Steuerbescheid für 2026", "Steuerbescheid für 2026"},
			[]string{"*Eingangsbestätigung* Steuerbescheid für 2026", "Steuerbescheid für 2026"}},
		{"another's Bcc", client.SearchQuery{To: zeuge.Address}, []string{}, []string{}},
	} {
		if got := subjects(t, normal, tc.q); !slices.Equal(got, tc.normal) {
			t.Errorf("%s at normal: %q, want %q", tc.name, got, tc.normal)
		}
		if got := subjects(t, high, tc.q); !slices.Equal(got, tc.high) {
			t.Errorf("%s at high: %q, want %q", tc.name, got, tc.high)
		}
	}
	// The sender finds its Bcc recipient in its own copy.
	if got := subjects(t, cityC, client.SearchQuery{To: zeuge.Address, Folder: "sent"}); !slices.Equal(got, []string{"Steuerbescheid für 2026"}) {
		t.Errorf("the sender's Bcc: %q", got)
	}
	// Read, a letter's state changes.
	first := must[*api.LetterList](t)(normal.Search(ctx, &client.SearchQuery{Text: "rechnung"}))
	must[*api.Letter](t)(normal.Letter(ctx, first.Letters[0].ID))
	if got := subjects(t, normal, client.SearchQuery{States: []string{"read"}}); !slices.Equal(got, []string{"Rechnung Mai"}) {
		t.Errorf("read: %q", got)
	}
	// Pages of one, each after the last.
	var paged []string
	q := &client.SearchQuery{From: city.Address, Folder: "inbox", Limit: 1}
	for range 5 {
		l := must[*api.LetterList](t)(high.Search(ctx, q))
		for _, s := range l.Letters {
			paged = append(paged, s.Subject)
		}
		if l.Next == "" {
			break
		}
		q.Cursor = l.Next
	}
	if !slices.Equal(paged, []string{"Geheime Grundsteuer", "Steuerbescheid für 2026"}) {
		t.Errorf("paged: %q", paged)
	}
}

// TestSearchRefuses: a search that breaks a rule is refused with its field.
func TestSearchRefuses(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Irrtum"), false)
	ben := e.Open(pt.PersonApp("Ben", "Irrtum"), false)
	f := must[*api.Folder](t)(ben.C.CreateFolder(ctx, "Privat"))
	for _, tc := range []struct {
		q                  client.SearchQuery
		status             int
		code, field, label string
	}{
		{client.SearchQuery{After: "2026-02-30"}, 400, "invalid", "after", "no such day"},
		{client.SearchQuery{After: "14.03.2026"}, 400, "invalid", "after", "a German date"},
		{client.SearchQuery{Before: "yesterday"}, 400, "invalid", "before", "a word"},
		{client.SearchQuery{After: "2026-03-14", Before: "2026-03-01"}, 400, "range", "before", "reversed"},
		{client.SearchQuery{Text: "--"}, 400, "no_words", "q", "no word"},
		{client.SearchQuery{Options: []string{"registered"}}, 400, "invalid", "option", "no such option"},
		{client.SearchQuery{States: []string{"lost"}}, 400, "invalid", "state", "no such state"},
		{client.SearchQuery{Folder: "relay"}, 400, "invalid", "folder", "the relay"},
		{client.SearchQuery{Limit: 201}, 400, "too_large", "limit", "a long page"},
		{client.SearchQuery{Cursor: "nonsense"}, 400, "invalid", "cursor", "a made-up cursor"},
		{client.SearchQuery{Folder: f.Folder}, 404, "not_found", "folder", "another's folder"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			_, err := anna.C.Search(ctx, &tc.q)
			wantErr(t, err, tc.status, tc.code, tc.field)
		})
	}
	// A parameter the client never sends wrong, sent raw.
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/search?include_trash=maybe", nil)
	req.Header.Set("Authorization", "Bearer "+anna.C.Token)
	resp, err := e.Public.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb api.ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil || resp.StatusCode != 400 || eb.Error.Field != "include_trash" {
		t.Errorf("include_trash=maybe: %d %+v %v", resp.StatusCode, eb, err)
	}
	if l, err := anna.C.Search(ctx, &client.SearchQuery{IncludeTrash: true}); err != nil || len(l.Letters) != 0 {
		t.Errorf("an empty search of an empty mailbox: %+v, %v", l, err)
	}
}
