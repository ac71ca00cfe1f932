package search

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Steuerbescheid 2025", []string{"steuerbescheid", "2025"}},
		{"STRASSE Straße straße", []string{"strasse", "strasse", "strasse"}},
		{"Müller MÜLLER Mueller", []string{"mueller", "mueller", "mueller"}},
		// Decomposed umlauts meet the same table entry.
		{"Mu\u0308ller", []string{"mueller"}},
		{"Café À la carte", []string{"cafe", "a", "la", "carte"}},
		{"erika.mustermann@demo-b.siegel.test", []string{"erika", "mustermann", "demo", "b", "siegel", "test"}},
		{"AZ-4711/25", []string{"az", "4711", "25"}},
		{"stadt_musterstadt@x.de", []string{"stadt", "musterstadt", "x", "de"}},
		{"Ελληνικά ΣΟΦΙΑ", []string{"ελληνικα", "σοφια"}},
		{"Привет МИР", []string{"привет", "мир"}},
		{"   ", nil},
		{"—/–", nil},
		{"~all ~personal", []string{"all", "personal"}},
		{strings.Repeat("x", 70), []string{strings.Repeat("x", MaxTerm)}},
		{strings.Repeat("ж", 40), []string{strings.Repeat("ж", MaxTerm/2)}},
	} {
		got := Words(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLetterTerms(t *testing.T) {
	t.Parallel()
	l := &Letter{Sender: "stadt_musterstadt@a.test", Subject: "Bescheid über Grundsteuer", FileNumber: "AZ 4711",
		To: []string{"erika.mustermann@b.test"}, Cc: []string{"otto.normal@b.test"}, Bcc: []string{"geheim.person@b.test"},
		Personal: true, ReceiptConfirmation: true}
	received, sent := l.Terms()
	for term, want := range map[string]Field{
		TermAll: Listed, "stadt": InSender, "musterstadt": InSender, "bescheid": InSubject, "ueber": InSubject,
		"az": InFileNumber, "4711": InFileNumber, "erika": InRecipients, "otto": InRecipients,
		"a": InSender, "b": InRecipients, "test": InSender | InRecipients,
		"~personal": Listed, "~receipt_confirmation": Attribute,
	} {
		if received[term] != want {
			t.Errorf("received[%q] = %b, want %b", term, received[term], want)
		}
	}
	for _, absent := range []string{"geheim", "person", "~sender_confirmed", "~pickup_confirmation"} {
		if _, ok := received[absent]; ok {
			t.Errorf("received holds %q", absent)
		}
	}
	// Only the sender's copy names the Bcc recipient (TR PVD-IO §3.1).
	if sent["geheim"] != InRecipients || sent["person"] != InRecipients || sent["stadt"] != InSender {
		t.Errorf("sent: %v", sent)
	}
	// Without Bcc words of its own, the sender's copy has the same terms.
	l.Bcc = []string{"otto.normal@b.test"}
	if _, sent := l.Terms(); sent != nil {
		t.Errorf("sent = %v, want nil when the Bcc adds nothing", sent)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "Steuer 2025", From: "Stadt", To: "erika", Subject: "Bescheid", FileNumber: "AZ-4711",
		After: "2025-03-01", Before: "2025-03-31", Options: []string{"receipt_confirmation"}, States: []string{"unread", "unread"}}
	p, err := q.Plan(berlin)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cond{{"steuer", true, Text}, {"2025", true, Text}, {"stadt", true, InSender}, {"erika", true, InRecipients},
		{"bescheid", true, InSubject}, {"az", true, InFileNumber}, {"4711", true, InFileNumber},
		{"~receipt_confirmation", false, Attribute | Listed}, {"~unread", false, Attribute | Listed}}
	if !reflect.DeepEqual(p.Conds, want) {
		t.Errorf("Conds = %v\nwant %v", p.Conds, want)
	}
	// Days are the provider's: 1 March from midnight in Berlin, 31 March
	// included.
	if !p.After.Equal(time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC)) || !p.Before.Equal(time.Date(2025, 3, 31, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("range = [%v, %v)", p.After.UTC(), p.Before.UTC())
	}
	// A time is taken as given; before excludes it.
	p, err = (&Query{After: "2025-03-01T10:00:00+01:00", Before: "2025-03-01T10:00:01Z"}).Plan(berlin)
	if err != nil || !p.Before.Equal(time.Date(2025, 3, 1, 10, 0, 1, 0, time.UTC)) || len(p.Conds) != 0 {
		t.Errorf("times: %+v, %v", p, err)
	}
	// The same day as both bounds is that day.
	if _, err := (&Query{After: "2025-03-01", Before: "2025-03-01"}).Plan(berlin); err != nil {
		t.Errorf("one day: %v", err)
	}
}

func TestPlanRefuses(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxText+1)
	var words []string
	for i := range MaxConds + 1 {
		words = append(words, fmt.Sprint("w", i))
	}
	many := strings.Join(words, " ")
	for _, tc := range []struct {
		q           Query
		field, code string
	}{
		{Query{After: "2025-13-01"}, "after", "invalid"},
		{Query{After: "01.03.2025"}, "after", "invalid"},
		{Query{Before: "gestern"}, "before", "invalid"},
		{Query{Before: "2025-03-01T10:00"}, "before", "invalid"},
		{Query{After: "2025-03-02", Before: "2025-03-01"}, "before", "range"},
		{Query{After: "2025-03-01T10:00:00Z", Before: "2025-03-01T10:00:00Z"}, "before", "range"},
		{Query{Text: "---"}, "q", "no_words"},
		{Query{From: "@"}, "from", "no_words"},
		{Query{Subject: long}, "subject", "too_long"},
		{Query{FileNumber: "\xff"}, "file_number", "invalid"},
		{Query{Text: many}, "q", "too_many"},
		{Query{Options: []string{"registered"}}, "option", "invalid"},
		{Query{States: []string{"Unread"}}, "state", "invalid"},
	} {
		_, err := tc.q.Plan(time.UTC)
		p := problem.As(err)
		if p == nil || p.Field != tc.field || p.Code != tc.code || p.Kind != problem.Invalid {
			t.Errorf("%+v: %v, want %s %s", tc.q, err, tc.field, tc.code)
		}
	}
	if _, err := (&Query{Text: strings.Join(words[:MaxConds], " ")}).Plan(time.UTC); err != nil {
		t.Errorf("MaxConds words: %v", err)
	}
}

func ExampleWords() {
	fmt.Println(Words("Bescheid über die Grundsteuer, AZ-4711/25 (Straße)"))
	// Output: [bescheid ueber die grundsteuer az 4711 25 strasse]
}
