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

// JobRelay is the queue kind of one copy's handover to the provider of its
// recipient at another domain (package relay): one job per recipient copy,
// queued in the transaction that stores the copy, so that nothing accepted
// is left without its way out (DESIGN "Where a letter goes", step 3).
const JobRelay = "relay"

// JobRelayWarning is the queue kind of the notice that tells a sender that
// a letter has not been handed over within RelayWarnAfter.
const JobRelayWarning = "relay-warning"

// RelayWarnAfter is the handover deadline after dispatch (SPEC "Dispatch
// options and confirmations": handed to the other provider within 4 h).
const RelayWarnAfter = 4 * time.Hour

// RelayWarning is a JobRelayWarning's payload; its key is the copy.
type RelayWarning struct {
	GiveUpAt time.Time `json:"give_up_at"` // when the provider stops trying
}

// RelayJob queues the handover of the remote copy c; its key is the copy.
func RelayJob(c *store.Copy) *store.Job {
	return &store.Job{ID: store.NewID(c.Arrived), Kind: JobRelay, Key: c.ID, RunAt: c.Arrived, CreatedAt: c.Arrived}
}

// EvidenceJob is a JobEvidence's payload.
type EvidenceJob struct {
	// Event is the ETSI EN 319 522 event name, e.g. "SubmissionAcceptance".
	Event    string `json:"event"`
	EventID  string `json:"event_id"`
	LetterID string `json:"letter_id"`
	// CopyID is the recipient's copy the evidence is about, and Recipient
	// its account: each evidence names one recipient.
	CopyID    string `json:"copy_id"`
	Recipient string `json:"recipient"` // "" when the copy is another provider's to store
	// Reason and Details say why, for the evidence of a negative event
	// whose reason is not in the store (a handover refused or given up).
	Reason  string `json:"reason,omitempty"`
	Details string `json:"details,omitempty"`
}

// evidenceJob queues the confirmation of ev about the recipient's copy c.
func evidenceJob(kind evidence.Event, ev *store.Event, c *store.Copy) *store.Job {
	return EvidenceJobOf(EvidenceJob{Event: kind.Name(), EventID: ev.ID, LetterID: ev.LetterID,
		CopyID: c.ID, Recipient: c.AccountID}, ev.At)
}

// EvidenceJobOf queues the confirmation p describes, due at.
func EvidenceJobOf(p EvidenceJob, at time.Time) *store.Job {
	b, _ := json.Marshal(p)
	return &store.Job{ID: store.NewID(at), Kind: JobEvidence, Key: p.EventID + "/" + p.CopyID, Payload: b,
		RunAt: at, CreatedAt: at}
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
		if c.Remote != "" {
			// The recipient's provider confirms the receipt.
			jobs = append(jobs, RelayJob(c))
			continue
		}
		if l.ReceiptConfirmation {
			jobs = append(jobs, evidenceJob(evidence.ContentConsignment, events[i+1], c))
		}
	}
	return append(jobs, deemedJobs(out, loc)...)
}
