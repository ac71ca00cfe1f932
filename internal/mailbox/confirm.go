package mailbox

import (
	"encoding/json"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/store"
)

// JobEvidence is the queue kind of one confirmation to issue: signed,
// time-stamped evidence of one event about one recipient's copy, and the
// confirmation message that carries it (package confirmation). The job is
// queued in the transaction that records the event, so that no event an
// option asks to confirm is left without its confirmation, and the signing
// (a time-stamp from the authority, perhaps over the network) never holds up
// the accept (DESIGN "Where a letter goes").
const JobEvidence = "evidence"

// JobPickupReminder is the queue kind of the notice that tells a recipient,
// a day before, that a letter of formal service will count as served if not
// picked up (SPEC "Dispatch options": the recipient is told beforehand).
const JobPickupReminder = "pickup-reminder"

// ReminderBefore is how long before deemed service the reminder goes out.
const ReminderBefore = 24 * time.Hour

// EvidenceJob is a JobEvidence's payload.
type EvidenceJob struct {
	// Event is the ETSI EN 319 522 event name, e.g. "SubmissionAcceptance".
	Event    string `json:"event"`
	EventID  string `json:"event_id"`
	LetterID string `json:"letter_id"`
	// CopyID is the recipient's copy the evidence is about, and Recipient
	// its account: each evidence names one recipient.
	CopyID    string `json:"copy_id"`
	Recipient string `json:"recipient"`
}

// evidenceJob queues the confirmation of ev about the recipient's copy c.
func evidenceJob(kind evidence.Event, ev *store.Event, c *store.Copy) *store.Job {
	p, _ := json.Marshal(EvidenceJob{Event: kind.Name(), EventID: ev.ID, LetterID: ev.LetterID,
		CopyID: c.ID, Recipient: c.AccountID})
	return &store.Job{ID: store.NewID(ev.At), Kind: JobEvidence, Key: ev.ID + "/" + c.ID, Payload: p,
		RunAt: ev.At, CreatedAt: ev.At}
}

// acceptJobs are the confirmations an accepted letter's options ask for: a
// dispatch confirmation per recipient (DMG §5(7)) and a receipt confirmation
// per recipient's copy stored (DMG §5(8)), plus the deemed-service deadlines
// and reminders of a letter of formal service. events are the accept's: the
// sender's accepted event first, then one stored event per copy, in order.
func acceptJobs(out *Accepted, events []*store.Event, loc *time.Location) []*store.Job {
	l := out.Letter
	var jobs []*store.Job
	for i, c := range out.Copies {
		if l.DispatchConfirmation {
			jobs = append(jobs, evidenceJob(evidence.SubmissionAcceptance, events[0], c))
		}
		if l.ReceiptConfirmation {
			jobs = append(jobs, evidenceJob(evidence.ContentConsignment, events[i+1], c))
		}
	}
	return append(jobs, deemedJobs(out, loc)...)
}
