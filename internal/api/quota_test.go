package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

func sendTo(ctx context.Context, c *client.Client, to string) error {
	_, err := c.Send(ctx, &api.SendRequest{To: []string{to}, Subject: "Antrag", Text: "Hiermit beantrage ich …"})
	return err
}

// TestQuotaThroughTheAPI: the session's account shows its mailbox's usage
// with the warning under 10 % free; GET /account/quota says the same; a
// full mailbox's letter is refused with 403 mailbox_full saying how much
// is used and how to free space, while letters to it are accepted.
func TestQuotaThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	amt := e.Open(pt.OrgApp("authority", "Bürgeramt Musterstadt", false), false)
	erika := e.Open(pt.PersonApp("Erika", "Mustermann"), false)

	s := must[*api.Session](t)(amt.C.Session(ctx))
	if q := s.Account.Mailbox; q == nil || q.QuotaBytes != account.MinQuota || q.UsedBytes != 0 || q.Warning || q.Full {
		t.Fatalf("a new account's mailbox: %+v", q)
	}
	if s := must[*api.Session](t)(e.Public.Login(ctx, amt.Address, amt.Password, "")); s.Account.Mailbox == nil ||
		s.Account.Mailbox.QuotaBytes != account.MinQuota {
		t.Fatalf("the login's account: %+v", s.Account.Mailbox)
	}
	if err := sendTo(ctx, amt.C, erika.Address); err != nil {
		t.Fatal(err)
	}
	q := must[*api.MailboxQuota](t)(amt.C.Quota(ctx))
	if q.UsedBytes < 100 || q.UsedBytes > 64<<10 || q.Warning {
		t.Fatalf("after one letter, its copy in Sent: %+v", q)
	}

	// 95 % used: the warning, in the session and the quota route.
	e.FillMailbox(amt.Address, account.MinQuota*95/100-q.UsedBytes)
	s = must[*api.Session](t)(amt.C.Session(ctx))
	if q := s.Account.Mailbox; q == nil || !q.Warning || q.Full || q.PercentUsed != 95 {
		t.Fatalf("at 95 %%, the session's account: %+v", q)
	}
	if q := must[*api.MailboxQuota](t)(amt.C.Quota(ctx)); !q.Warning || q.Full {
		t.Fatalf("at 95 %%: %+v", q)
	}
	if err := sendTo(ctx, amt.C, erika.Address); err != nil {
		t.Fatalf("a nearly full mailbox may still send: %v", err)
	}

	// Full: refused, and it says what to do.
	e.FillMailbox(amt.Address, account.MinQuota*5/100)
	err := sendTo(ctx, amt.C, erika.Address)
	wantErr(t, err, http.StatusForbidden, "mailbox_full", "")
	msg := err.(*client.Error).Message
	for _, want := range []string{"of your 100.0 MiB", "delete letters", "empty the trash"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q does not say %q", msg, want)
		}
	}
	if q := must[*api.MailboxQuota](t)(amt.C.Quota(ctx)); !q.Full || q.PercentUsed < 100 {
		t.Fatalf("full: %+v", q)
	}
	// Receiving goes on.
	if err := sendTo(ctx, erika.C, amt.Address); err != nil {
		t.Fatalf("a letter to a full mailbox: %v", err)
	}
}

// TestQuotaSetByOfficer: an officer gives an authority that sends many
// letters a larger quota, by id or by address, and it sends again; below
// 100 MiB is refused naming the field; the change is in the account's
// history; 0 returns it to the default; the officer sees the usage.
func TestQuotaSetByOfficer(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	amt := e.Open(pt.OrgApp("authority", "Finanzamt Bonn", false), false)
	erika := e.Open(pt.PersonApp("Erika", "Mustermann"), false)
	e.FillMailbox(amt.Address, account.MinQuota)
	wantErr(t, sendTo(ctx, amt.C, erika.Address), http.StatusForbidden, "mailbox_full", "")

	for _, mib := range []int64{99, -1, 1<<20 + 1} {
		_, err := e.Officer1.SetQuota(ctx, amt.ID, mib)
		wantErr(t, err, http.StatusBadRequest, "out_of_range", "mib")
	}
	_, err := e.Officer1.SetQuota(ctx, "nobody@"+e.Domain, 500)
	wantErr(t, err, http.StatusNotFound, "not_found", "account")
	_, err = e.Public.SetQuota(ctx, amt.ID, 500)
	wantErr(t, err, http.StatusUnauthorized, "unauthenticated", "")

	a := must[*api.AdminAccount](t)(e.Officer1.SetQuota(ctx, amt.Address, 500))
	if q := a.Mailbox; a.ID != amt.ID || q == nil || q.QuotaBytes != 500<<20 || q.PercentUsed != 20 || q.Full {
		t.Fatalf("after the officer's quota of 500 MiB: %+v, %+v", a, a.Mailbox)
	}
	if err := sendTo(ctx, amt.C, erika.Address); err != nil {
		t.Fatalf("sending with the larger quota: %v", err)
	}
	_, err = e.Officer2.SetQuota(ctx, amt.ID, 500)
	wantErr(t, err, http.StatusConflict, "unchanged", "mib")

	d := must[*api.AccountDetail](t)(e.Officer2.Account(ctx, amt.ID))
	if q := d.Account.Mailbox; q == nil || q.QuotaBytes != 500<<20 {
		t.Errorf("the officer's view of the account: %+v", q)
	}
	last := d.History[len(d.History)-1]
	if last.Action != "quota_set" || !strings.HasPrefix(last.Actor, "officer:") ||
		!strings.Contains(string(last.Detail), `"quota_mib":500`) || !strings.Contains(string(last.Detail), `"previous_mib":0`) || !d.HistoryIntact {
		t.Errorf("the history's last entry: %+v (intact %v)", last, d.HistoryIntact)
	}

	a = must[*api.AdminAccount](t)(e.Officer1.SetQuota(ctx, amt.ID, 0))
	if a.Mailbox.QuotaBytes != account.MinQuota || !a.Mailbox.Full {
		t.Errorf("back to the default: %+v", a.Mailbox)
	}
	wantErr(t, sendTo(ctx, amt.C, erika.Address), http.StatusForbidden, "mailbox_full", "")
}
