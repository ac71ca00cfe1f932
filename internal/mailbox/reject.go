package mailbox

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// JobRejection is the queue kind of the evidence that a submission was
// refused (SubmissionRejection), for a sender who asked for a dispatch
// confirmation: the refusal is answered to the client at once, and the
// signed proof of it follows, as the dispatch confirmation would have.
const JobRejection = "rejection"

// RejectionJob is a JobRejection's payload: the facts of a letter that was
// never stored.
type RejectionJob struct {
	MessageID   string        `json:"message_id"`
	SenderID    string        `json:"sender_id"`
	SenderLevel account.Level `json:"sender_level"`
	Subject     string        `json:"subject"`
	PrivateID   string        `json:"private_id,omitempty"`
	SubmittedAt time.Time     `json:"submitted_at"`
	Digest      string        `json:"digest"` // SHA-256 of the body as built, hex
	// Recipient is the address refused, and RecipientID its account when
	// there is one.
	Recipient   string `json:"recipient"`
	RecipientID string `json:"recipient_id,omitempty"`
	Reason      string `json:"reason"` // an evidence.Reason… code
	Details     string `json:"details"`
}

// refused is the accept's refusal of one recipient. It wraps the problem
// the client is shown and keeps what the rejection evidence names.
type refused struct {
	addr, accountID string
	err             error
}

func (r *refused) Error() string { return r.err.Error() }
func (r *refused) Unwrap() error { return r.err }

// refuse wraps the refusal of recipient r (acc nil when there is no
// account).
func refuse(r *recipient, acc *store.AccountState, err error) error {
	rf := &refused{addr: r.addr, err: err}
	if acc != nil {
		rf.accountID = acc.ID
	}
	return rf
}

// reasonOf is the evidence reason of a refusal: TR PVD-IO's notification
// types (SPEC "Message format").
func reasonOf(err error) (code, details string) {
	p := problem.As(err)
	if p == nil {
		return evidence.ReasonOther, "refused"
	}
	switch p.Code {
	case "unknown_recipient", "unknown_domain":
		return evidence.ReasonUnknownRecipient, p.Message
	case "closed_account":
		return evidence.ReasonClosedAccount, p.Message
	case "malware":
		return evidence.ReasonMalware, p.Message
	}
	return evidence.ReasonOther, p.Message
}

// queueRejection queues the rejection evidence of a refused submission that
// asked for a dispatch confirmation. It runs after the refusal, in a
// transaction of its own; if that fails the sender still has the refusal,
// and the log says the evidence is missing.
func (s *Service) queueRejection(ctx context.Context, p rejectionFacts, err error) {
	var rf *refused
	if !errors.As(err, &rf) {
		return
	}
	code, details := reasonOf(rf.err)
	payload, _ := json.Marshal(RejectionJob{MessageID: p.msgID, SenderID: p.senderID, SenderLevel: p.level,
		Subject: p.subject, PrivateID: p.privateID, SubmittedAt: p.at, Digest: hex.EncodeToString(p.digest[:]),
		Recipient: rf.addr, RecipientID: rf.accountID, Reason: code, Details: details})
	job := &store.Job{ID: store.NewID(p.at), Kind: JobRejection, Key: p.msgID, Payload: payload, RunAt: p.at, CreatedAt: p.at}
	if err := s.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(job) }); err != nil {
		s.Log.Error("rejection evidence not queued", "message", p.msgID, "sender", p.senderID, "err", err)
	}
}

// rejectionFacts are what Submit knows of a letter it refused.
type rejectionFacts struct {
	msgID, senderID, subject, privateID string
	level                               account.Level
	at                                  time.Time
	digest                              [32]byte
}
