package api_test

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

func TestTwoStageDeleteAndGuards(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Dora", "Delete"), true)
	b := e.Open(pt.PersonApp("Dirk", "Delete"), true)
	must[*api.SendResponse](t)(a.C.Send(ctx, &api.SendRequest{To: []string{b.Address}, Subject: "plain", Text: "x"}))
	must[*api.SendResponse](t)(a.C.Send(ctx, &api.SendRequest{To: []string{b.Address}, Subject: "receipt", Text: "x", ReceiptConfirmation: true}))
	var plain, receipt string
	for _, s := range inbox(t, b.C, "inbox") {
		if s.Subject == "plain" {
			plain = s.ID
		} else {
			receipt = s.ID
		}
	}
	// Stage one: to the trash; restore brings it back; stage two: for good.
	if d := must[*api.Deleted](t)(b.C.Delete(ctx, plain)); d.Final {
		t.Fatal("first delete was final")
	}
	if n := len(inbox(t, b.C, "trash")); n != 1 {
		t.Fatalf("trash holds %d", n)
	}
	must[*api.LetterSummary](t)(b.C.Restore(ctx, plain))
	if n := len(inbox(t, b.C, "inbox")); n != 2 {
		t.Fatalf("inbox after restore holds %d", n)
	}
	_, err := b.C.Restore(ctx, plain)
	wantErr(t, err, 409, "not_in_trash", "id")
	must[*api.Deleted](t)(b.C.Delete(ctx, plain))
	if d := must[*api.Deleted](t)(b.C.Delete(ctx, plain)); !d.Final {
		t.Fatal("second delete was not final")
	}
	_, err = b.C.Letter(ctx, plain)
	wantErr(t, err, 404, "not_found", "id")

	// 90-day guard at normal for a letter with receipt confirmation.
	_, err = b.C.Delete(ctx, receipt)
	wantErr(t, err, 403, "retention", "")
	e.Clock.Advance(45 * time.Minute)
	hb := b.High()
	must[*api.Deleted](t)(hb.Delete(ctx, receipt)) // at high it may go
	must[*api.LetterSummary](t)(hb.Restore(ctx, receipt))
	e.Clock.Advance(91 * 24 * time.Hour)
	nb := must[*api.Session](t)(e.Public.Login(ctx, b.Address, b.Password, ""))
	must[*api.Deleted](t)(e.Public.With(nb.Token).Delete(ctx, receipt))
}

func TestBlockUnblockClose(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Berta", "Block"), true)
	b := e.Open(pt.PersonApp("Bruno", "Block"), true)
	send := func() error {
		_, err := a.C.Send(ctx, &api.SendRequest{To: []string{b.Address}, Subject: "s", Text: "x"})
		return err
	}
	// Usage restriction: read only.
	must[*api.AdminAccount](t)(e.Officer1.Block(ctx, a.ID, "usage", "Zahlungsverzug"))
	wantErr(t, send(), 403, "account_blocked", "")
	must[*api.LetterList](t)(a.C.List(ctx, "inbox", 10, ""))
	_, err := e.Officer1.Block(ctx, a.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	// Full block on the recipient: its sessions end, mail to it is refused.
	must[*api.AdminAccount](t)(e.Officer1.Block(ctx, b.ID, "full", "Missbrauchsverdacht"))
	_, err = b.C.Session(ctx)
	wantErr(t, err, 401, "unauthenticated", "")
	_, err = e.Public.Login(ctx, b.Address, b.Password, "")
	wantErr(t, err, 403, "account_blocked", "")
	wantErr(t, send(), 403, "blocked_recipient", "to[0]")
	_, err = e.Officer1.Block(ctx, b.ID, "full", "again")
	wantErr(t, err, 409, "unchanged", "block")
	_, err = e.Officer1.Block(ctx, b.ID, "everything", "x")
	wantErr(t, err, 400, "invalid", "block")
	_, err = e.Officer1.Block(ctx, b.ID, "usage", "")
	wantErr(t, err, 400, "required", "reason")
	must[*api.AdminAccount](t)(e.Officer2.Block(ctx, b.ID, "", "geklärt"))
	if err := send(); err != nil {
		t.Fatal(err)
	}
	// Access block for high: normal works, high does not.
	must[*api.AdminAccount](t)(e.Officer1.Block(ctx, b.ID, "high", "Token verloren"))
	_, err = e.Public.Login(ctx, b.Address, b.Password, e.Code(b.Secret))
	wantErr(t, err, 403, "level_blocked", "level")
	must[*api.Session](t)(e.Public.Login(ctx, b.Address, b.Password, ""))
	must[*api.AdminAccount](t)(e.Officer1.Block(ctx, b.ID, "", "Token ersetzt"))

	// Closing: data gone, login and mail refused, the address quarantined.
	_, err = e.Officer1.Close(ctx, b.ID, "")
	wantErr(t, err, 400, "required", "reason")
	closed := must[*api.AdminAccount](t)(e.Officer1.Close(ctx, b.ID, "Kündigung"))
	if closed.Status != "closed" || closed.Holder != nil || closed.DisplayName != "" {
		t.Fatalf("closed account keeps data: %+v", closed)
	}
	_, err = e.Public.Login(ctx, b.Address, b.Password, "")
	wantErr(t, err, 401, "bad_credentials", "password")
	wantErr(t, send(), 403, "closed_account", "to[0]")
	again := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, pt.PersonApp("Bruno", "Block")))
	if again.Address == b.Address {
		t.Fatalf("a closed account's address was given out again: %s", again.Address)
	}
	_, err = e.Officer1.Close(ctx, b.ID, "again")
	wantErr(t, err, 409, "transition_not_allowed", "status")
	d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, b.ID))
	if !d.HistoryIntact || d.History[len(d.History)-1].Action != "closed" {
		t.Fatalf("history after close: intact %v, %+v", d.HistoryIntact, d.History)
	}
}
