package confirmation_test

import (
	"testing"
	"time"

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

// TestEvidenceAfterDeletion: a pickup confirmation still names when the
// letter arrived after the recipient's copy is gone (from its stored event);
// a job whose letter is gone altogether completes without evidence instead
// of failing for ever.
func TestEvidenceAfterDeletion(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Löschingen", true), true)
	rita := e.Open(pt.PersonApp("Rita", "Abholt"), true)
	sent, err := city.High().Send(ctx, &api.SendRequest{To: []string{rita.Address}, Subject: "Bescheid", Text: "t",
		PickupConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	rita.High() // the pickup
	lease := func() []store.Job {
		t.Helper()
		var jobs []store.Job
		if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
			now := e.Clock.Now()
			var err error
			jobs, err = tx.LeaseJobs(mailbox.JobEvidence, "test-node", now, now.Add(time.Minute), 10)
			return err
		}); err != nil || len(jobs) != 1 {
			t.Fatalf("leased %d evidence jobs (%v), want 1", len(jobs), err)
		}
		return jobs
	}
	jobs := lease()
	var copies []store.Copy
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if copies, err = tx.CopiesOfLetter(copiesLetter(t, e, sent.ID)); err != nil {
			return err
		}
		for _, c := range copies {
			if c.Role != "sender" {
				return tx.DeleteCopy(c.ID)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	effect, err := e.P.Confirm.HandleEvidence(ctx, jobs[0])
	if err != nil || effect == nil {
		t.Fatalf("pickup evidence with the copy gone: %v", err)
	}
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		if err := effect(tx); err != nil {
			return err
		}
		return tx.CompleteJob(jobs[0].ID, "test-node", jobs[0].Attempts)
	}); err != nil {
		t.Fatal(err)
	}
	list, err := city.High().Evidence(ctx, sent.ID)
	if err != nil || len(list.Evidence) != 1 || list.Evidence[0].Event != "ContentHandover" {
		t.Fatalf("evidence: %+v, %v", list, err)
	}

	// The letter gone altogether: the job completes with nothing to store.
	gone, err := city.High().Send(ctx, &api.SendRequest{To: []string{rita.Address}, Subject: "Zweiter", Text: "t",
		PickupConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	rita.High()
	jobs = lease()
	letterID := copiesLetter(t, e, gone.ID)
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		cs, err := tx.CopiesOfLetter(letterID)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := tx.DeleteCopy(c.ID); err != nil {
				return err
			}
		}
		return tx.DeleteLetter(letterID)
	}); err != nil {
		t.Fatal(err)
	}
	if effect, err := e.P.Confirm.HandleEvidence(ctx, jobs[0]); err != nil || effect != nil {
		t.Fatalf("job of a letter gone: effect %v, %v; want none and no error", effect != nil, err)
	}
}

// copiesLetter is the letter id of a copy.
func copiesLetter(t *testing.T, e *pt.Env, copyID string) string {
	t.Helper()
	var id string
	if err := e.P.Store.View(t.Context(), func(tx store.Tx) error {
		c, err := tx.CopyByID(copyID)
		if err == nil {
			id = c.LetterID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
