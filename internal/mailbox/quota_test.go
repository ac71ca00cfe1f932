package mailbox_test

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

// quota is the default quota of a test provider: the least allowed.
const quota = account.MinQuota

func send(ctx context.Context, c *client.Client, to, subject string) error {
	_, err := c.Send(ctx, &api.SendRequest{To: []string{to}, Subject: subject, Text: "Sehr geehrte Damen und Herren"})
	return err
}

func used(t *testing.T, c *client.Client) *api.MailboxQuota {
	t.Helper()
	q, err := c.Quota(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// notices lists the subjects of the low-space notices in c's inbox.
func notices(t *testing.T, c *client.Client) []string {
	t.Helper()
	var out []string
	for _, l := range folder(t, c, "inbox") {
		if strings.HasPrefix(l.From, "Benachrichtigung@") && strings.Contains(l.Subject, "Postfach") {
			out = append(out, l.Subject)
		}
	}
	return out
}

// TestFullMailboxBlocksSendingNotReceiving (SPEC "Limits"): a full mailbox
// cannot send, with a refusal that says how full it is and how to free
// space; letters to it from this provider and from another still arrive,
// and count; moving a letter to the trash frees nothing, deleting it for
// good does, and then it can send again.
func TestFullMailboxBlocksSendingNotReceiving(t *testing.T) {
	t.Parallel()
	f := pt.NewFederation(t, true, "a.siegel.test", "b.siegel.test")
	a, b := f.Providers[0], f.Providers[1]
	ctx := t.Context()
	sam := a.Open(pt.PersonApp("Sam", "Voll"), false)
	rita := a.Open(pt.PersonApp("Rita", "Nachbar"), false)
	otto := b.Open(pt.PersonApp("Otto", "Fern"), false)
	filler := a.FillMailbox(sam.Address, quota)

	before := used(t, sam.C)
	if !before.Full || !before.Warning || before.UsedBytes != quota || before.PercentUsed != 100 {
		t.Fatalf("a filled mailbox: %+v", before)
	}
	err := send(ctx, sam.C, rita.Address, "Geht nicht")
	pe := wantProblem(t, err, http.StatusForbidden, "mailbox_full", "")
	for _, want := range []string{"100.0 MiB", "delete letters", "empty the trash", "still arrive"} {
		if !strings.Contains(pe.Message, want) {
			t.Errorf("the refusal %q does not say %q", pe.Message, want)
		}
	}
	if l := folder(t, sam.C, "sent"); len(l) != 0 {
		t.Errorf("a refused letter is in Sent: %+v", l)
	}

	// Receiving: from a neighbour here, and from another provider.
	if err := send(ctx, rita.C, sam.Address, "Von nebenan"); err != nil {
		t.Fatalf("a letter to a full mailbox here: %v", err)
	}
	if err := send(ctx, otto.C, sam.Address, "Von weit her"); err != nil {
		t.Fatalf("a letter to a full mailbox from another provider: %v", err)
	}
	for range 5 {
		for _, e := range []*pt.Env{b, a} {
			if _, err := e.P.RunQueues(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	var subjects []string
	for _, l := range folder(t, sam.C, "inbox") {
		subjects = append(subjects, l.Subject)
	}
	for _, want := range []string{"Von nebenan", "Von weit her"} {
		if !strings.Contains(strings.Join(subjects, "|"), want) {
			t.Errorf("the full mailbox did not receive %q: inbox %q", want, subjects)
		}
	}
	if after := used(t, sam.C); after.UsedBytes <= before.UsedBytes || !after.Full {
		t.Errorf("received letters do not count: %+v, before %+v", after, before)
	}

	// The trash still counts; deleting for good frees the space.
	if _, err := sam.C.Delete(ctx, filler); err != nil {
		t.Fatal(err)
	}
	if q := used(t, sam.C); !q.Full {
		t.Errorf("a letter in the trash freed its space: %+v", q)
	}
	wantProblem(t, send(ctx, sam.C, rita.Address, "Immer noch nicht"), http.StatusForbidden, "mailbox_full", "")
	if _, err := sam.C.Delete(ctx, filler); err != nil {
		t.Fatal(err)
	}
	if q := used(t, sam.C); q.Full || q.Warning || q.UsedBytes >= quota/100 {
		t.Errorf("after deleting for good: %+v", q)
	}
	if err := send(ctx, sam.C, rita.Address, "Wieder frei"); err != nil {
		t.Errorf("sending after freeing space: %v", err)
	}
}

// TestQuotaNoticeOnce: a mailbox that passes into its last 10 % gets one
// notice from Benachrichtigung@, not one per letter after; once it is
// below 90 % used again, the next pass brings the next notice.
func TestQuotaNoticeOnce(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	rita := e.Open(pt.PersonApp("Rita", "Randvoll"), false)
	sam := e.Open(pt.PersonApp("Sam", "Schreiber"), false)
	run := func() {
		t.Helper()
		if _, err := e.P.RunScheduled(ctx); err != nil {
			t.Fatal(err)
		}
		settle(t, e)
	}
	filler := e.FillMailbox(rita.Address, quota*85/100)
	run()
	if n := notices(t, rita.C); len(n) != 0 {
		t.Fatalf("a notice at 85 %%: %q", n)
	}
	second := e.FillMailbox(rita.Address, quota*6/100) // 91 %
	run()
	got := notices(t, rita.C)
	if len(got) != 1 || got[0] != "Ihr Postfach ist fast voll / Your mailbox is nearly full" {
		t.Fatalf("notices after passing 90 %%: %q, want one", got)
	}
	var notice api.LetterSummary
	for _, l := range folder(t, rita.C, "inbox") {
		if strings.HasPrefix(l.From, "Benachrichtigung@") {
			notice = l
		}
	}
	full, err := rita.C.Letter(ctx, notice.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"91 %", "Papierkorb", "empty the trash", "still arrive"} {
		if !strings.Contains(full.Text, want) {
			t.Errorf("the notice does not say %q:\n%s", want, full.Text)
		}
	}
	// More letters, more runs: no second notice.
	for i := range 3 {
		if err := send(ctx, sam.C, rita.Address, "Noch einer"); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			e.FillMailbox(rita.Address, quota*5/100) // over the quota now
		}
		run()
	}
	if n := notices(t, rita.C); len(n) != 1 {
		t.Fatalf("notices after more letters: %q, want still one", n)
	}
	// Below 90 % again, then past it once more: a second notice.
	for _, id := range []string{second, second, filler, filler} {
		if _, err := rita.C.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if q := used(t, rita.C); q.Warning {
		t.Fatalf("after deleting: %+v", q)
	}
	if n := notices(t, rita.C); len(n) != 1 {
		t.Fatalf("notices after freeing space: %q", n)
	}
	e.FillMailbox(rita.Address, quota*95/100)
	run()
	if n := notices(t, rita.C); len(n) != 2 {
		t.Fatalf("notices after filling up again: %q, want two", n)
	}
}
