package mailbox

import (
	"context"
	"errors"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/store"
)

// JobDeemedService is the queue kind of one recipient copy's deemed-service
// deadline. The job is queued by the accept, in its transaction, so that no
// letter of formal service is without its deadline; any node runs it when it
// is due, once.
const JobDeemedService = "deemed-service"

// DeemedServedAt is when a letter of formal service dispatched at dispatched
// counts as served if the recipient has not picked it up: VwZG §5a(4), "am
// dritten Tag nach der Absendung", the third calendar day after the day of
// dispatch, from its beginning, in the provider's time zone (loc).
func DeemedServedAt(dispatched time.Time, loc *time.Location) time.Time {
	d := dispatched.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day()+3, 0, 0, 0, 0, loc)
}

// deemedJobs are the deadlines of an accepted letter's copies that await
// pickup (only letters of formal service carry pickup confirmation).
func deemedJobs(out *Accepted, loc *time.Location) []*store.Job {
	var jobs []*store.Job
	for _, c := range out.Copies {
		if !c.AwaitsPickup {
			continue
		}
		due := DeemedServedAt(out.Letter.SubmittedAt, loc)
		jobs = append(jobs, &store.Job{ID: store.NewID(c.Arrived), Kind: JobDeemedService, Key: c.ID,
			RunAt: due, CreatedAt: c.Arrived})
		if remind := due.Add(-ReminderBefore); remind.After(c.Arrived) {
			jobs = append(jobs, &store.Job{ID: store.NewID(c.Arrived), Kind: JobPickupReminder, Key: c.ID,
				RunAt: remind, CreatedAt: c.Arrived})
		}
	}
	return jobs
}

// HandleDeemedService is the queue handler of JobDeemedService: unless the
// recipient picked the letter up before the deadline, it records that the
// letter is deemed served, at the deadline. It runs in the same transaction as
// the job's completion, so the event is recorded exactly once even when a
// node dies or two race for the job.
func (s *Service) HandleDeemedService(_ context.Context, j store.Job) (func(store.Tx) error, error) {
	return func(tx store.Tx) error {
		c, err := tx.CopyByID(j.Key)
		if errors.Is(err, store.ErrNotFound) {
			return nil // the copy is gone (finally deleted): nothing to serve
		}
		if err != nil {
			return err
		}
		at := DeemedServedAt(c.Letter.SubmittedAt, s.Location)
		if !c.PickedUp.IsZero() && !c.PickedUp.After(at) {
			return nil // picked up in time: the pickup confirmation proves service
		}
		s.Log.Info("letter deemed served", "letter", c.LetterID, "copy", c.ID, "at", at)
		ev := &store.Event{ID: store.NewID(at), LetterID: c.LetterID, CopyID: c.ID,
			AccountID: c.AccountID, Kind: store.EventDeemedServed, At: at}
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		// VwZG §5a(4): the authority learns that the letter counts as
		// served, with ContentHandoverFailure evidence; its confirmation
		// message goes to the recipient too, which tells them.
		return tx.Enqueue(evidenceJob(evidence.ContentHandoverFailure, ev, c))
	}, nil
}
