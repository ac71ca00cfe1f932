package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// TestMailSearchAdvanced: the folder page's advanced search (TR PVD-FU
// §3.1.3.8) by sender, recipient, subject, file number, days, option, state
// and in every folder, each row then naming its folder; a search's next
// page keeps its filters.
func TestMailSearchAdvanced(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Filterhausen", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Filterin"), true)
	cityC := city.High()
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Steuerbescheid", Text: "x",
		PrivateID: "AZ-31/27", ReceiptConfirmation: true})
	e.Clock.Advance(time.Minute)
	mailSend(t, erika.C, &api.SendRequest{To: []string{city.Address}, Subject: "Widerspruch zum Steuerbescheid", Text: "x"})
	e.Clock.Advance(time.Minute)
	for _, s := range []string{"Hundesteuer", "Anmeldung", "Abfall"} {
		mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: s, Text: "x"})
		e.Clock.Advance(time.Minute)
	}

	b := newMailBrowser(t, e)
	b.login(erika)
	p := b.get("/mail/inbox")
	mailWant(t, p, http.StatusOK, `<details class="search-advanced">`, "Erweiterte Suche", `name="from"`, `name="file_number"`,
		`type="date"`, `<option value="receipt_confirmation">Eingangsbestätigung</option>`, "Abholung ausstehend")
	get := func(v url.Values) *mailPage { return b.get("/mail/inbox?" + v.Encode()) }

	p = get(url.Values{"from": {city.Address}, "subject": {"steuer"}})
	mailWant(t, p, http.StatusOK, "Treffer der erweiterten Suche", ">Steuerbescheid<", `<details class="search-advanced" open>`)
	mailLacks(t, p, "Hundesteuer", "Widerspruch")
	p = get(url.Values{"file_number": {"az-31"}, "option": {"receipt_confirmation"}, "after": {"2027-03-02"}, "until": {"2027-03-02"}})
	mailWant(t, p, http.StatusOK, ">Steuerbescheid<", `<option value="receipt_confirmation" selected>`)
	mailLacks(t, p, "Hundesteuer")
	mailWant(t, get(url.Values{"after": {"2027-03-03"}}), http.StatusOK, "Keine Treffer.")
	// Sent, in the inbox's search of every folder: each row names its folder.
	p = get(url.Values{"q": {"steuerbescheid"}, "scope": {"all"}})
	mailWant(t, p, http.StatusOK, "Treffer für „steuerbescheid“", "Von / An", ">Widerspruch zum Steuerbescheid<",
		`<span class="badge where">Gesendet</span>`, `<span class="badge where">Posteingang</span>`)
	p = get(url.Values{"to": {city.Address}})
	mailWant(t, p, http.StatusOK, "Keine Treffer.")
	mailWant(t, get(url.Values{"to": {city.Address}, "scope": {"all"}}), http.StatusOK, ">Widerspruch zum Steuerbescheid<")

	// Read, a letter leaves the unread ones.
	id := mailCopy(t, erika.C, "inbox", "Abfall")
	mailWant(t, b.get("/letter/"+id), http.StatusOK)
	p = get(url.Values{"state": {"unread"}})
	mailWant(t, p, http.StatusOK, "Hundesteuer", "Anmeldung")
	mailLacks(t, p, ">Abfall<")
	mailWant(t, get(url.Values{"state": {"read"}}), http.StatusOK, ">Abfall<")

	// More than a page: the next page keeps the search.
	for i := range 26 {
		mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Rundschreiben " + string(rune('A'+i)), Text: "x"})
		e.Clock.Advance(time.Second)
	}
	p = get(url.Values{"q": {"rundschreiben"}})
	mailWant(t, p, http.StatusOK, "Rundschreiben Z", "Rundschreiben B")
	mailLacks(t, p, "Rundschreiben A<")
	older := regexp.MustCompile(`href="(/mail/inbox\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(p.Body)
	if older == nil {
		t.Fatal("no link to the next page of the search")
	}
	p = b.get(html.UnescapeString(older[1]))
	mailWant(t, p, http.StatusOK, "Rundschreiben A<", `value="rundschreiben"`)
	mailLacks(t, p, "Rundschreiben B", "Hundesteuer")
}

// TestMailSearchErrors: a refused search shows its message at its field,
// in the page's language, with nothing found and the advanced part open.
func TestMailSearchErrors(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Fehlerhaft"), false)
	b := newMailBrowser(t, e)
	b.login(anna)
	for _, tc := range []struct {
		query, field, de, en string
	}{
		{"until=2026-02-30", "until", "Bitte einen Tag als JJJJ-MM-TT angeben", "Enter a day as YYYY-MM-DD"},
		{"after=14.03.2026", "after", "Bitte einen Tag als JJJJ-MM-TT angeben", "Enter a day as YYYY-MM-DD"},
		{"after=2026-03-14&until=2026-03-01", "until", "Das Ende des Zeitraums darf nicht vor seinem Anfang liegen",
			"The end of the period must not be before its start"},
		{"q=%2B%2B%2B", "q", "Bitte mindestens ein Wort", "Enter at least one word"},
		{"option=eilig", "option", "Bitte eine der angebotenen Möglichkeiten wählen", "Choose one of the options offered"},
		{"scope=woanders", "scope", "Bitte eine der angebotenen Möglichkeiten wählen", "Choose one of the options offered"},
	} {
		id := "s-" + tc.field
		if tc.field == "q" {
			id = "q"
		}
		for _, lang := range []string{"de", "en"} {
			b.lang = lang
			p := b.get("/mail/inbox?" + tc.query)
			msg := tc.de
			if lang == "en" {
				msg = tc.en
			}
			mailWant(t, p, http.StatusBadRequest, `id="`+id+`-error">`+msg, `aria-describedby="`+id+`-error"`,
				`aria-invalid="true"`)
			if tc.field != "q" {
				mailWant(t, p, http.StatusBadRequest, `<details class="search-advanced" open>`)
			}
		}
	}
}

// TestMailSearchWholeMailbox: a letter behind thousands of newer ones is
// found on the first page: the search reads an index, not the newest
// letters one by one (the old search stopped after 2,000 of them).
func TestMailSearchWholeMailbox(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	bert := e.Open(pt.PersonApp("Bert", "Vielpost"), false)
	ctx := t.Context()
	t0 := e.Clock.Now()
	letterOf := func(subject string) *store.Letter {
		l := &store.Letter{ID: store.NewID(t0), MessageID: store.NewID(t0), SenderAddress: "jemand@" + e.Domain,
			Subject: subject, AuthLevel: "normal", SubmittedAt: t0}
		if err := e.P.Mail.StoreBody(ctx, l, []byte("Subject: x\r\n\r\nx")); err != nil {
			t.Fatal(err)
		}
		return l
	}
	needle, hay := letterOf("Nadel im Heuhaufen"), letterOf("Heu")
	copies := []*store.Copy{{ID: store.NewID(t0), LetterID: needle.ID, AccountID: bert.ID, Folder: store.Inbox, Role: "to",
		Arrived: t0}}
	for i := range 3000 {
		at := t0.Add(time.Duration(i+1) * time.Second)
		copies = append(copies, &store.Copy{ID: store.NewID(at), LetterID: hay.ID, AccountID: bert.ID, Folder: store.Inbox,
			Role: "to", Arrived: at})
	}
	err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertLetter(needle); err != nil {
			return err
		}
		if err := tx.InsertLetter(hay); err != nil {
			return err
		}
		return tx.InsertCopy(copies...)
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newMailBrowser(t, e)
	b.login(bert)
	p := b.get("/mail/inbox?q=nadel")
	mailWant(t, p, http.StatusOK, "Nadel im Heuhaufen")
	mailLacks(t, p, "Durchsucht wurden", "Ältere Briefe", ">Heu<")
}
