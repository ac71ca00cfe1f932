package providertest

import (
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/siegel-mail/siegel/internal/store"
)

// FillMailbox files a letter in the inbox of the account at address that
// counts n bytes against its storage quota, and returns the copy's id (to
// delete it again). It stands for a mailbox that filled up over years:
// the letter's body is a short text, its recorded size n, since writing
// 100 MiB of real letters per test would cost far more than the rules
// under test. What the quota counts is the store's own sum over the
// mailbox's copies (store.QuotaTx), whatever wrote them.
func (e *Env) FillMailbox(address string, n int64) string {
	e.T.Helper()
	ctx := context.Background()
	var acc *store.Account
	if err := e.P.Store.View(ctx, func(tx store.Tx) (err error) {
		acc, err = tx.AccountByAddress(address)
		return err
	}); err != nil {
		e.T.Fatalf("fill mailbox of %s: %v", address, err)
	}
	now := e.Clock.Now()
	body := []byte("Archiv: ein Brief, der für die Prüfung des Speicherplatzes seinen Platz einnimmt.\r\n")
	header := []byte("From: archiv@" + e.Domain + "\r\nTo: " + address + "\r\nSubject: Archiv\r\n\r\n")
	sum := sha256.Sum256(body)
	rcpts, _ := json.Marshal(map[string][]string{"to": {address}})
	l := &store.Letter{ID: store.NewID(now), MessageID: store.NewID(now), SenderAddress: "archiv@" + e.Domain,
		Subject: "Archiv", Recipients: rcpts, BodyHash: sum[:], SubmittedAt: now}
	if err := e.P.Mail.StoreBody(ctx, l, body); err != nil {
		e.T.Fatal(err)
	}
	l.BodySize = n - int64(len(header))
	c := &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: acc.ID, Folder: store.Inbox, Role: "to",
		Header: header, Arrived: now}
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(c)
	}); err != nil {
		e.T.Fatalf("fill mailbox of %s: %v", address, err)
	}
	return c.ID
}
