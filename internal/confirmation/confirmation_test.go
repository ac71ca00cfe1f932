package confirmation_test

import (
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// TestEvidenceOncePerEvent: two attempts at the same job, as when a node
// signs and dies before its commit and another node signs again, each make
// their own evidence; the store keeps the first one committed, and the
// second effect adds neither evidence nor a second confirmation message.
func TestEvidenceOncePerEvent(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Zweimal"), true)
	ben := e.Open(pt.PersonApp("Ben", "Zweimal"), false)
	sent, err := anna.High().Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "s", Text: "t",
		ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []store.Job
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		now := e.Clock.Now()
		jobs, err = tx.LeaseJobs(mailbox.JobEvidence, "test-node", now, now.Add(e.P.Config.Queue.Lease.Duration), 10)
		return err
	}); err != nil || len(jobs) != 1 {
		t.Fatalf("leased %d evidence jobs (%v), want 1", len(jobs), err)
	}
	first, err := e.P.Confirm.HandleEvidence(ctx, jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.P.Confirm.HandleEvidence(ctx, jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, effect := range []func(store.Tx) error{first, second} {
		if err := e.P.Store.Update(ctx, effect); err != nil {
			t.Fatalf("effect: %v", err)
		}
	}
	list, err := anna.C.Evidence(ctx, sent.ID)
	if err != nil || len(list.Evidence) != 1 {
		t.Fatalf("evidence after two attempts: %+v (%v), want one", list, err)
	}
	for _, u := range []*pt.User{anna, ben} {
		confs, err := u.C.List(ctx, "confirmations", 10, "")
		if err != nil || len(confs.Letters) != 1 {
			t.Fatalf("%s's confirmations: %+v (%v), want one", u.Address, confs, err)
		}
		if u == anna && confs.Letters[0].ID != list.Evidence[0].Confirmation {
			t.Errorf("anna's confirmation %s is not the stored evidence's %s", confs.Letters[0].ID, list.Evidence[0].Confirmation)
		}
	}
}
