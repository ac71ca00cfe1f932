package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// BenchMailbox is the account whose mailbox FillSearchMailbox fills.
const BenchMailbox = "acct-bench"

// BenchLetters is how many letters the search benchmarks fill a mailbox
// with: 100,000, or SIEGEL_SEARCH_LETTERS.
func BenchLetters() int {
	if n, err := strconv.Atoi(os.Getenv("SIEGEL_SEARCH_LETTERS")); err == nil && n >= 10 {
		return n
	}
	return 100_000
}

// FillSearchMailbox fills one mailbox with n letters over five years, as
// an authority's or a busy firm's might look: a few hundred senders (one
// city writing a tenth of them), subjects from a German office's
// vocabulary, a file number each, one in ten personal, options mixed; most
// in the inbox, some sent, confirmations, filed in folders, trashed. One
// subject word ("Nachlassverfahren") is rare: five letters. Another mailbox
// gets a letter of each kind too, so that the index is not one account's.
func FillSearchMailbox(b *testing.B, s store.Store, n int) {
	b.Helper()
	rnd := rand.New(rand.NewPCG(2026, 3))
	cities := []string{"musterstadt", "bonn", "koeln", "duesseldorf", "aachen", "siegburg", "trier", "mainz"}
	var senders []string
	for _, c := range cities {
		senders = append(senders, "stadt_"+c, "finanzamt."+c, "jobcenter."+c, "amtsgericht."+c)
	}
	first := []string{"erika", "hans", "juergen", "sabine", "thomas", "anna", "murat", "olga", "peter", "maria"}
	last := []string{"mustermann", "mueller", "schmidt", "schneider", "fischer", "weber", "yilmaz", "becker", "hoffmann"}
	for _, f := range first {
		for _, l := range last {
			senders = append(senders, f+"."+l)
		}
	}
	topics := []string{"Grundsteuer", "Hundesteuer", "Müllgebühren", "Wohngeld", "Elterngeld", "Kindergeld",
		"Baugenehmigung", "Parkausweis", "Einkommensteuer", "Gewerbesteuer", "Straßenreinigung", "Zweitwohnungsteuer"}
	forms := []string{"Bescheid über %s %d", "Steuerbescheid %d", "Rechnung Nr. %d", "Mahnung zur Rechnung %d",
		"Ihr Antrag auf %s vom %d", "Widerspruch gegen den Bescheid über %s", "Anhörung zu %s", "Einladung zur Sprechstunde",
		"Änderungsbescheid %s %d", "Zahlungserinnerung %s", "Vertragsunterlagen %d", "Kündigung zum %d"}
	start := time.Date(2021, 1, 4, 8, 0, 0, 0, time.UTC)
	span := 5 * 365 * 24 * time.Hour
	const batch = 500
	for done := 0; done < n; done += batch {
		var ls []*store.Letter
		var cs []*store.Copy
		for i := done; i < min(n, done+batch); i++ {
			sender := senders[rnd.IntN(len(senders))]
			if rnd.IntN(10) == 0 {
				sender = "stadt_musterstadt"
			}
			form := forms[rnd.IntN(len(forms))]
			subject := form
			switch strings.Count(form, "%") {
			case 1:
				if strings.Contains(form, "%s") {
					subject = fmt.Sprintf(form, topics[rnd.IntN(len(topics))])
				} else {
					subject = fmt.Sprintf(form, 1000+rnd.IntN(90000))
				}
			case 2:
				subject = fmt.Sprintf(form, topics[rnd.IntN(len(topics))], 2021+rnd.IntN(6))
			}
			if i%max(n/5, 1) == 7 {
				subject = "Nachlassverfahren " + subject
			}
			arrived := start.Add(time.Duration(rnd.Int64N(int64(span)))).Truncate(time.Microsecond)
			l := searchLetter(fmt.Sprintf("bl-%07d", i), sender+"@"+[]string{"a", "b", "c"}[rnd.IntN(3)]+".siegel.test",
				subject, fmt.Sprintf("AZ-%d/%02d", rnd.IntN(50000), 21+rnd.IntN(6)),
				`{"to":["erika.mustermann@b.siegel.test"],"cc":["`+first[rnd.IntN(len(first))]+"."+last[rnd.IntN(len(last))]+`@c.siegel.test"]}`)
			if i == n/2 {
				l.PrivateID = "AZ-4711/23"
			}
			l.SubmittedAt = arrived
			l.Personal = rnd.IntN(10) == 0
			l.ReceiptConfirmation, l.DispatchConfirmation = rnd.IntN(3) == 0, rnd.IntN(4) == 0
			l.PickupConfirmation = l.Personal && rnd.IntN(3) == 0
			c := newCopy(fmt.Sprintf("bc-%07d", i), l.ID, BenchMailbox, store.Inbox, arrived)
			switch r := rnd.IntN(100); {
			case r < 10:
				c.Folder, c.Role = store.Sent, "sender"
			case r < 15:
				c.Folder, c.Role = store.Confirmations, "cc"
			case r < 18:
				c.Folder = store.UserFolder(fmt.Sprintf("f-%d", r))
			case r < 20:
				c.Folder, c.PrevFolder, c.TrashedAt = store.Trash, store.Inbox, arrived.Add(time.Hour)
			}
			if rnd.IntN(5) > 0 {
				c.FirstRead = arrived.Add(time.Hour)
			}
			c.AwaitsPickup = l.PickupConfirmation && c.Role != "sender"
			ls, cs = append(ls, l), append(cs, c)
			if i < 20 {
				cs = append(cs, newCopy(fmt.Sprintf("bo-%07d", i), l.ID, "acct-other", store.Inbox, arrived))
			}
		}
		err := s.Update(b.Context(), func(tx store.Tx) error {
			for _, l := range ls {
				if err := tx.InsertLetter(l); err != nil {
					return err
				}
			}
			return tx.InsertCopy(cs...)
		})
		if err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
}

// BenchSearches times typical searches in the mailbox FillSearchMailbox
// filled, a page of 25 each, at normal (personal letters hidden) and at
// high; and, for comparison, the search before the index: reading the
// inbox newest first and matching in Go, up to 2,000 letters (where it
// stopped) and through the whole inbox.
func BenchSearches(b *testing.B, s store.Store) {
	text := func(f search.Field, q string) []search.Cond {
		var out []search.Cond
		for _, w := range search.Words(q) {
			out = append(out, search.Cond{Term: w, Prefix: true, Fields: f})
		}
		return out
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		q    store.SearchQuery
	}{
		{"rare word", store.SearchQuery{Conds: text(search.Text, "nachlassverfahren")}},
		{"common word", store.SearchQuery{Conds: text(search.Text, "bescheid")}},
		{"short prefix", store.SearchQuery{Conds: text(search.Text, "st")}},
		{"sender", store.SearchQuery{Conds: text(search.InSender, "finanzamt.bonn")}},
		{"frequent sender", store.SearchQuery{Conds: text(search.InSender, "stadt_musterstadt")}},
		{"date range", store.SearchQuery{After: day(2024, 3, 1), Before: day(2024, 4, 1)}},
		{"file number", store.SearchQuery{Conds: text(search.InFileNumber, "AZ-4711/23")}},
		{"combination", store.SearchQuery{Conds: append(append(text(search.InSender, "stadt_musterstadt"),
			text(search.InSubject, "steuer")...), search.Cond{Term: "~receipt_confirmation", Fields: search.Attribute | search.Listed}),
			After: day(2023, 1, 1), Before: day(2025, 1, 1)}},
		{"common word in inbox", store.SearchQuery{Conds: text(search.Text, "rechnung"), Folder: store.Inbox}},
		{"unread personal", store.SearchQuery{Conds: []search.Cond{{Term: "~unread", Fields: search.Attribute | search.Listed},
			{Term: "~personal", Fields: search.Attribute | search.Listed}}}},
	} {
		for _, level := range []string{"normal", "high"} {
			q := tc.q
			q.AccountID, q.ContentHidden, q.Limit = BenchMailbox, level == "normal", 26
			b.Run(tc.name+"/"+level, func(b *testing.B) {
				var n int
				run := func() {
					err := s.View(b.Context(), func(tx store.Tx) error {
						cs, err := tx.SearchCopies(&q)
						n = len(cs)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				// Statements prepared and pages cached, as on a server
				// that has searched before.
				for range 3 {
					run()
				}
				for b.Loop() {
					run()
				}
				b.ReportMetric(float64(n), "found")
			})
		}
	}
	for _, bound := range []int{2000, 0} {
		name := "old scan/rare word, 2000 letters"
		if bound == 0 {
			name = "old scan/rare word, whole inbox"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				scanned, found := oldScan(b, s, "nachlassverfahren", bound)
				b.ReportMetric(float64(scanned), "read")
				b.ReportMetric(float64(found), "found")
			}
		})
	}
}

// oldScan is the search before the index: the inbox read newest first, a
// page of 200 at a time, each copy matched in Go, until 25 matches or bound
// copies (0: no bound).
func oldScan(b *testing.B, s store.Store, q string, bound int) (scanned, found int) {
	var cur *store.Cursor
	for bound == 0 || scanned < bound {
		var page []store.Copy
		err := s.View(b.Context(), func(tx store.Tx) (err error) {
			page, err = tx.ListCopies(BenchMailbox, store.Inbox, cur, 200)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range page {
			scanned++
			l := c.Letter
			if strings.Contains(strings.ToLower(l.SenderAddress), q) || strings.Contains(strings.ToLower(l.Subject), q) ||
				strings.Contains(strings.ToLower(l.PrivateID), q) {
				if found++; found == 25 {
					return scanned, found
				}
			}
		}
		if len(page) < 200 {
			return scanned, found
		}
		last := page[len(page)-1]
		cur = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
	return scanned, found
}
