package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// searchTests hold the search index (store.SearchTx; TR PVD-FU §3.1.3.8)
// to its contract: what each condition finds, what a copy hidden at normal
// must not reveal (DMG §5(4)), and that the index follows every change of
// a copy in the transaction that makes it. search_model.go checks the
// results and the paging against a model over a mailbox large enough for
// every way a store may run a search.
var searchTests = []test{
	{"Fields", testSearchFields},
	{"HiddenAtNormal", testSearchHidden},
	{"Confirmations", testSearchConfirmations},
	{"FollowsTheCopy", testSearchFollowsCopy},
	{"States", testSearchStates},
	{"ClosedAccount", testSearchClosedAccount},
	{"Model", testSearchModel},
}

// searchLetter is a letter without options, from sender to the recipients.
func searchLetter(id, sender, subject, fileNumber, recipients string) *store.Letter {
	l := newLetter(id, "msg-"+id, "acct-sender")
	l.SenderAddress, l.Subject, l.PrivateID, l.Recipients = sender, subject, fileNumber, []byte(recipients)
	l.Personal, l.SenderConfirmed, l.DispatchConfirmation, l.ReceiptConfirmation, l.PickupConfirmation =
		false, false, false, false, false
	return l
}

func insertSearchLetter(t *testing.T, s store.Store, l *store.Letter, cs ...*store.Copy) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(cs...)
	})
}

// found runs q (up to 100 copies) and returns the ids, newest first.
func found(t *testing.T, s store.Store, q store.SearchQuery) []string {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	var out []store.Copy
	view(t, s, func(tx store.Tx) (err error) {
		out, err = tx.SearchCopies(&q)
		return err
	})
	ids := copyIDs(out)
	if ids == nil {
		ids = []string{}
	}
	return ids
}

// words is a condition of words found by prefix in the fields f.
func words(f search.Field, text string) []search.Cond {
	var out []search.Cond
	for _, w := range search.Words(text) {
		out = append(out, search.Cond{Term: w, Prefix: true, Fields: f})
	}
	return out
}

// attr is a condition on an option or state.
func attr(name string) search.Cond {
	return search.Cond{Term: search.TermPrefix + name, Fields: search.Attribute | search.Listed}
}

// testSearchFields: each field is searched by the words in it, by prefix,
// whatever the case and however umlauts are written; Bcc recipients only in
// the sender's own copy (TR PVD-IO §3.1); never another mailbox's copies.
func testSearchFields(t *testing.T, s store.Store) {
	const rcpts = `{"to":["erika.mustermann@b.test"],"cc":["otto.normal@b.test"],"bcc":["verdeckt@b.test"]}`
	l1 := searchLetter("let-1", "stadt_musterstadt@a.test", "Steuerbescheid 2025 für Grundbesitz", "AZ-4711/25", rcpts)
	l1.ReceiptConfirmation = true
	l2 := searchLetter("let-2", "firma.findig@c.test", "Rechnung Mai", "R-1", `{"to":["erika.mustermann@b.test"]}`)
	insertSearchLetter(t, s, l1, newCopy("c-1", "let-1", "acct-me", store.Inbox, at(time.Minute)),
		newCopy("c-1s", "let-1", "acct-city", store.Sent, at(time.Minute)))
	insertSearchLetter(t, s, l2, newCopy("c-2", "let-2", "acct-me", store.Inbox, at(2*time.Minute)))
	me := func(conds ...search.Cond) store.SearchQuery {
		return store.SearchQuery{AccountID: "acct-me", Conds: conds}
	}
	for _, tc := range []struct {
		name string
		q    store.SearchQuery
		want []string
	}{
		{"everything", me(), []string{"c-2", "c-1"}},
		{"a word's prefix", me(words(search.Text, "steuer")...), []string{"c-1"}},
		{"not inside a word", me(words(search.Text, "bescheid")...), []string{}},
		{"any case", me(words(search.Text, "STEUERBESCHEID")...), []string{"c-1"}},
		{"ü as ue", me(words(search.Text, "fuer grundbesitz")...), []string{"c-1"}},
		{"ü as ü", me(words(search.Text, "FÜR")...), []string{"c-1"}},
		{"a sender", me(words(search.InSender, "musterstadt")...), []string{"c-1"}},
		{"a sender's whole address", me(words(search.InSender, "firma.findig@c.test")...), []string{"c-2"}},
		{"a sender, not a subject", me(words(search.InSender, "rechnung")...), []string{}},
		{"a subject", me(words(search.InSubject, "rechnung mai")...), []string{"c-2"}},
		{"a file number", me(words(search.InFileNumber, "4711/25")...), []string{"c-1"}},
		{"a file number's part", me(words(search.Text, "az-47")...), []string{"c-1"}},
		{"a recipient in Cc", me(words(search.InRecipients, "otto")...), []string{"c-1"}},
		{"a recipient in To", me(words(search.InRecipients, "erika")...), []string{"c-2", "c-1"}},
		{"not another's Bcc", me(words(search.Text, "verdeckt")...), []string{}},
		{"an option", me(attr("receipt_confirmation")), []string{"c-1"}},
		{"words and an option", me(append(words(search.Text, "erika"), attr("receipt_confirmation"))...), []string{"c-1"}},
		{"all words must match", me(words(search.Text, "rechnung steuer")...), []string{}},
		{"the sender's own Bcc", store.SearchQuery{AccountID: "acct-city", Folder: store.Sent,
			Conds: words(search.InRecipients, "verdeckt")}, []string{"c-1s"}},
		{"another mailbox", store.SearchQuery{AccountID: "acct-other"}, []string{}},
	} {
		check(t, tc.name, found(t, s, tc.q), tc.want)
	}
}

// testSearchHidden: a personal letter seen at normal matches only by what
// a listing shows of it (its sender, arrival, that it is personal, whether
// it was read), never by its subject, file number, recipients, other
// options or pickup state (DMG §5(4)); at high by everything.
func testSearchHidden(t *testing.T, s store.Store) {
	open := searchLetter("let-1", "stadt_musterstadt@a.test", "Grundsteuer offen", "AZ-1", `{"to":["erika@b.test"]}`)
	open.ReceiptConfirmation = true
	secret := searchLetter("let-2", "stadt_musterstadt@a.test", "Grundsteuer geheim", "AZ-9999",
		`{"to":["erika@b.test"],"cc":["zeuge@b.test"]}`)
	secret.Personal, secret.ReceiptConfirmation, secret.PickupConfirmation = true, true, true
	insertSearchLetter(t, s, open, newCopy("c-1", "let-1", "acct-me", store.Inbox, at(time.Minute)))
	c2 := newCopy("c-2", "let-2", "acct-me", store.Inbox, at(2*time.Minute))
	c2.AwaitsPickup = true
	// The sender's own copy of a personal letter hides nothing from them.
	insertSearchLetter(t, s, secret, c2, newCopy("c-2s", "let-2", "acct-city", store.Sent, at(2*time.Minute)))
	for _, tc := range []struct {
		name         string
		conds        []search.Cond
		normal, high []string
	}{
		{"its sender", words(search.InSender, "musterstadt"), []string{"c-2", "c-1"}, []string{"c-2", "c-1"}},
		{"its sender, in free text", words(search.Text, "stadt"), []string{"c-2", "c-1"}, []string{"c-2", "c-1"}},
		{"its subject", words(search.Text, "grundsteuer"), []string{"c-1"}, []string{"c-2", "c-1"}},
		{"its subject alone", words(search.InSubject, "geheim"), []string{}, []string{"c-2"}},
		{"its file number", words(search.Text, "9999"), []string{}, []string{"c-2"}},
		{"its recipients", words(search.Text, "zeuge"), []string{}, []string{"c-2"}},
		{"sender and subject", words(search.Text, "stadt geheim"), []string{}, []string{"c-2"}},
		{"personal", []search.Cond{attr("personal")}, []string{"c-2"}, []string{"c-2"}},
		{"unread", []search.Cond{attr("unread")}, []string{"c-2", "c-1"}, []string{"c-2", "c-1"}},
		{"another option", []search.Cond{attr("receipt_confirmation")}, []string{"c-1"}, []string{"c-2", "c-1"}},
		{"awaiting pickup", []search.Cond{attr("awaiting_pickup")}, []string{}, []string{"c-2"}},
		{"every copy", nil, []string{"c-2", "c-1"}, []string{"c-2", "c-1"}},
	} {
		check(t, tc.name+" at normal", found(t, s, store.SearchQuery{AccountID: "acct-me", Conds: tc.conds,
			ContentHidden: true}), tc.normal)
		check(t, tc.name+" at high", found(t, s, store.SearchQuery{AccountID: "acct-me", Conds: tc.conds}), tc.high)
	}
	check(t, "the sender's copy at normal", found(t, s, store.SearchQuery{AccountID: "acct-city",
		Conds: words(search.InSubject, "geheim"), ContentHidden: true}), []string{"c-2s"})
}

// testSearchConfirmations: a personal letter's confirmation is hidden at
// normal from the recipient in its Cc, not from the sender in its To
// (mailbox.Hidden), in the trash too.
func testSearchConfirmations(t *testing.T, s store.Store) {
	conf := searchLetter("let-c", "Eingangsbestaetigung@a.test", "*Eingangsbestätigung* Geheim", "AZ-7",
		`{"to":["sender@a.test"],"cc":["erika@b.test"]}`)
	conf.Personal = true
	toSender := newCopy("c-to", "let-c", "acct-sender", store.Confirmations, at(time.Minute))
	toRcpt := newCopy("c-cc", "let-c", "acct-me", store.Confirmations, at(time.Minute))
	toRcpt.Role = "cc"
	insertSearchLetter(t, s, conf, toSender, toRcpt)
	q := func(acct string) store.SearchQuery {
		return store.SearchQuery{AccountID: acct, Conds: words(search.InSubject, "geheim"), ContentHidden: true,
			IncludeTrash: true}
	}
	check(t, "the sender's", found(t, s, q("acct-sender")), []string{"c-to"})
	check(t, "the recipient's", found(t, s, q("acct-me")), []string{})
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Copy{toSender, toRcpt} {
			c.PrevFolder, c.Folder, c.TrashedAt = store.Confirmations, store.Trash, at(time.Hour)
			if err := tx.UpdateCopy(c); err != nil {
				return err
			}
		}
		return nil
	})
	check(t, "the sender's, trashed", found(t, s, q("acct-sender")), []string{"c-to"})
	check(t, "the recipient's, trashed", found(t, s, q("acct-me")), []string{})
	hq := q("acct-me")
	hq.ContentHidden = false
	check(t, "the recipient's at high", found(t, s, hq), []string{"c-cc"})
}

// testSearchFollowsCopy: the index follows a copy through a move to one of
// the holder's folders, the trash, the restore and the final delete, in the
// transaction that makes each; the trash is searched only when asked.
func testSearchFollowsCopy(t *testing.T, s store.Store) {
	l := searchLetter("let-1", "amt@a.test", "Kontoauszug März", "", `{"to":["erika@b.test"]}`)
	c := newCopy("c-1", "let-1", "acct-me", store.Inbox, at(time.Minute))
	other := newCopy("c-2", "let-1", "acct-me", store.Inbox, at(2*time.Minute))
	insertSearchLetter(t, s, l, c, other)
	bank := store.UserFolder("f-1")
	where := func(what string, want map[store.Folder][]string) {
		t.Helper()
		for f, ids := range want {
			check(t, fmt.Sprintf("%s: in %q", what, f), found(t, s, store.SearchQuery{AccountID: "acct-me", Folder: f,
				Conds: words(search.Text, "kontoauszug")}), ids)
		}
		check(t, what+": everywhere but the trash", found(t, s, store.SearchQuery{AccountID: "acct-me",
			Conds: words(search.Text, "maerz")}), append(append([]string{}, want[store.Inbox]...), want[bank]...))
	}
	move := func(fn func(c *store.Copy)) {
		t.Helper()
		update(t, s, func(tx store.Tx) error {
			cur, err := tx.CopyByID("c-1")
			if err != nil {
				return err
			}
			fn(cur)
			return tx.UpdateCopy(cur)
		})
	}
	where("at first", map[store.Folder][]string{store.Inbox: {"c-2", "c-1"}, bank: {}, store.Trash: {}})
	move(func(c *store.Copy) { c.Folder = bank })
	where("moved", map[store.Folder][]string{store.Inbox: {"c-2"}, bank: {"c-1"}, store.Trash: {}})
	move(func(c *store.Copy) { c.PrevFolder, c.Folder, c.TrashedAt = c.Folder, store.Trash, at(time.Hour) })
	where("trashed", map[store.Folder][]string{store.Inbox: {"c-2"}, bank: {}, store.Trash: {"c-1"}})
	check(t, "trashed, with the trash", found(t, s, store.SearchQuery{AccountID: "acct-me", IncludeTrash: true,
		Conds: words(search.Text, "kontoauszug")}), []string{"c-2", "c-1"})
	move(func(c *store.Copy) { c.Folder, c.PrevFolder, c.TrashedAt = c.PrevFolder, "", time.Time{} })
	where("restored", map[store.Folder][]string{store.Inbox: {"c-2"}, bank: {"c-1"}, store.Trash: {}})
	// A failed transaction leaves the index as it was.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.DeleteCopy("c-1"); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "rolled back delete", err, errTest)
	where("delete rolled back", map[store.Folder][]string{store.Inbox: {"c-2"}, bank: {"c-1"}})
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteCopy("c-1"); err != nil {
			return err
		}
		return tx.DeleteCopy("c-2")
	})
	where("deleted", map[store.Folder][]string{store.Inbox: {}, bank: {}, store.Trash: {}})
	update(t, s, func(tx store.Tx) error { return tx.DeleteLetter("let-1") })
	// The letter's id may come again (as after a restore from a backup).
	insertSearchLetter(t, s, searchLetter("let-1", "amt@a.test", "Neu", "", `{}`),
		newCopy("c-3", "let-1", "acct-me", store.Inbox, at(3*time.Minute)))
	check(t, "a new letter of the same id", found(t, s, store.SearchQuery{AccountID: "acct-me",
		Conds: words(search.Text, "neu")}), []string{"c-3"})
}

// testSearchStates: read and pickup states follow the copy; the sender's
// own copy is neither read nor unread.
func testSearchStates(t *testing.T, s store.Store) {
	l := searchLetter("let-1", "amt@a.test", "Zustellung", "", `{"to":["erika@b.test"]}`)
	l.PickupConfirmation, l.Personal = true, true
	c := newCopy("c-1", "let-1", "acct-me", store.Inbox, at(time.Minute))
	c.AwaitsPickup = true
	insertSearchLetter(t, s, l, c, newCopy("c-s", "let-1", "acct-me", store.Sent, at(time.Minute)))
	state := func(name string) []string {
		return found(t, s, store.SearchQuery{AccountID: "acct-me", Conds: []search.Cond{attr(name)}})
	}
	check(t, "unread", state("unread"), []string{"c-1"})
	check(t, "read", state("read"), []string{})
	check(t, "awaiting pickup", state("awaiting_pickup"), []string{"c-1"})
	check(t, "option", found(t, s, store.SearchQuery{AccountID: "acct-me",
		Conds: []search.Cond{attr("pickup_confirmation")}}), []string{"c-s", "c-1"})
	update(t, s, func(tx store.Tx) error {
		c.FirstRead, c.PickedUp = at(time.Hour), at(time.Hour)
		return tx.UpdateCopy(c)
	})
	check(t, "unread after reading", state("unread"), []string{})
	check(t, "read after reading", state("read"), []string{"c-1"})
	check(t, "awaiting pickup after pickup", state("awaiting_pickup"), []string{})
	check(t, "picked up", state("picked_up"), []string{"c-1"})
	check(t, "read and picked up, with a word", found(t, s, store.SearchQuery{AccountID: "acct-me",
		Conds: append(words(search.Text, "zustellung"), attr("read"), attr("picked_up"))}), []string{"c-1"})
}

// testSearchClosedAccount: a closed account's mailbox is searched no more;
// others' are untouched.
func testSearchClosedAccount(t *testing.T, s store.Store) {
	a, b := newAccount("acct-a", "a@siegel.test"), newAccount("acct-b", "b@siegel.test")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(a); err != nil {
			return err
		}
		return tx.InsertAccount(b)
	})
	insertSearchLetter(t, s, searchLetter("let-1", "amt@a.test", "Abschied", "", `{}`),
		newCopy("c-a", "let-1", "acct-a", store.Inbox, at(time.Minute)),
		newCopy("c-b", "let-1", "acct-b", store.Inbox, at(time.Minute)))
	q := func(acct string) store.SearchQuery {
		return store.SearchQuery{AccountID: acct, Conds: words(search.Text, "abschied")}
	}
	check(t, "before", found(t, s, q("acct-a")), []string{"c-a"})
	update(t, s, func(tx store.Tx) error {
		a.Status, a.ClosedAt = account.Closed, at(time.Hour)
		return tx.UpdateAccount(a)
	})
	check(t, "closed", found(t, s, q("acct-a")), []string{})
	check(t, "closed, every copy", found(t, s, store.SearchQuery{AccountID: "acct-a", IncludeTrash: true}), []string{})
	check(t, "another", found(t, s, q("acct-b")), []string{"c-b"})
}

// termsOf decodes store.LetterTerms for the model.
func termsOf(t *testing.T, l *store.Letter) (received, sent map[string]search.Field) {
	t.Helper()
	r, snt, err := store.LetterTerms(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r, &received); err != nil {
		t.Fatal(err)
	}
	sent = received
	if snt != nil {
		sent = nil
		if err := json.Unmarshal(snt, &sent); err != nil {
			t.Fatal(err)
		}
	}
	return received, sent
}
