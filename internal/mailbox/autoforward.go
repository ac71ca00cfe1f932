package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/store"
)

// The automatic forwarding of one letter (TR PVD-FU §3.1.3.2; DMG §5(11);
// settings in forwarding.go). The letter is first stored in the holder's
// inbox, with its stored event and whatever confirmations its options ask
// for there; the same transaction queues a JobAutoForward, so that no
// stored letter goes unforwarded and none is forwarded twice (the job's
// effect commits with its completion). The job (package confirmation,
// HandleAutoForward) then sends a new letter from the holder's address to
// the forwarding address: the original quoted as a manual forward quotes
// it (reply.go), with its attachments, thread and file number, asking for
// no confirmations, since the receipt is confirmed only by the original
// mailbox (TR PVD-FU §3.1.3.2 last sentence of the first paragraph).
//
// What is not forwarded:
//   - a letter with pickup confirmation: the forwarding address gets a
//     notice of its arrival instead (TR PVD-FU §3.1.3.2 last paragraph);
//   - a personal letter, when the holder excluded those: a notice to the
//     forwarding address too (DMG §5(11) second sentence; TR PVD-FU
//     §3.1.3.2); without the exclusion it goes on as a personal letter;
//   - confirmations and notices, which are no letters (they are stored
//     without a JobAutoForward), and the notices of this mechanism itself
//     (Auto-Submitted: auto-notified);
//   - a letter that came round (its X-Siegel-Auto-Forwarded-From fields
//     name the holder) or has been forwarded MaxForwardHops times already,
//     and one whose forwarding address cannot take it now (closed,
//     blocked, no longer accredited, no second factor for a personal
//     letter): it stays in the inbox, and the holder gets a notice.

// JobAutoForward is the queue kind of one stored letter's automatic
// forwarding; its key is the holder's copy.
const JobAutoForward = "auto-forward"

// Header fields of an automatic forward and of its notices.
const (
	// HdrAutoSubmitted marks a message no person wrote (RFC 3834 §5).
	HdrAutoSubmitted = "Auto-Submitted"
	// AutoForwarded: a letter forwarded automatically; AutoNotified: the
	// notice sent instead of one.
	AutoForwarded = "auto-forwarded"
	AutoNotified  = "auto-notified"
	// HdrForwardedFrom names, one field per hop, each holder whose
	// forwarding sent the letter on, oldest first: the runtime guard
	// against loops through other providers.
	HdrForwardedFrom = "X-Siegel-Auto-Forwarded-From"
)

// MaxForwardHops is how many automatic forwards one letter goes through at
// most: a chain of settings longer than that, or a loop through another
// provider that setting time cannot see, ends with a notice to the holder.
const MaxForwardHops = 3

// ForwardAction is what becomes of one stored letter.
type ForwardAction int

// What HandleAutoForward does.
const (
	ForwardSkip         ForwardAction = iota // nothing: no longer forwarding, or no letter to forward
	ForwardLetter                            // a copy to the forwarding address
	ForwardNotifyTarget                      // a notice to the forwarding address instead
	ForwardNotifyHolder                      // not forwarded: a notice to the holder
)

// ForwardPlan is what PlanAutoForward found about one stored letter.
type ForwardPlan struct {
	Action  ForwardAction
	Holder  *store.Account
	Setting *store.Forwarding
	Copy    *store.Copy // the holder's copy, with its Letter
	Parsed  *letter.Parsed
	// Why says, for a notice, why the letter was not forwarded: a
	// sentence for the reader (the problem a refused forward would
	// give, or the loop).
	Why string
	// Looped: the holder is told because the letter came round or went
	// through MaxForwardHops forwards.
	Looped bool
	chain  []string // HdrForwardedFrom, oldest first
}

// forwardJobs adds to jobs the automatic forwarding of each copy stored in
// an inbox here whose holder forwards, in the storing transaction.
func forwardJobs(tx store.Tx, jobs []*store.Job, copies []*store.Copy) ([]*store.Job, error) {
	for _, c := range copies {
		if c.AccountID == "" || c.Folder != store.Inbox {
			continue
		}
		if _, err := tx.Forwarding(c.AccountID); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		jobs = append(jobs, &store.Job{ID: store.NewID(c.Arrived), Kind: JobAutoForward, Key: c.ID,
			RunAt: c.Arrived, CreatedAt: c.Arrived})
	}
	return jobs, nil
}

// PlanAutoForward decides what becomes of the stored copy copyID under its
// holder's forwarding as it is now: a setting withdrawn, or an account
// closed, since the letter arrived forwards nothing.
func (s *Service) PlanAutoForward(ctx context.Context, copyID string) (*ForwardPlan, error) {
	p := &ForwardPlan{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if p.Copy, err = tx.CopyByID(copyID); err != nil {
			return err
		}
		if p.Holder, err = tx.AccountByID(p.Copy.AccountID); err != nil {
			return err
		}
		p.Setting, err = tx.Forwarding(p.Holder.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return &ForwardPlan{Action: ForwardSkip}, nil
	}
	if err != nil {
		return nil, err
	}
	body, err := s.Body(ctx, p.Copy.Letter)
	if err != nil {
		return nil, fmt.Errorf("auto-forward: letter %s: body: %w", p.Copy.LetterID, err)
	}
	if p.Parsed, err = letter.Parse(append(append(make([]byte, 0, len(p.Copy.Header)+len(body)), p.Copy.Header...), body...)); err != nil {
		return nil, fmt.Errorf("auto-forward: letter %s: %w", p.Copy.LetterID, err)
	}
	auto, chain := forwardTrace(p.Copy.Header)
	p.chain = chain
	l := p.Copy.Letter
	switch {
	case p.Parsed.Type != letter.TypeNormal || auto == AutoNotified:
		// Confirmations and notices are no letters to pass on.
		p.Action = ForwardSkip
		return p, nil
	case containsFold(chain, p.Holder.Address) || len(chain) >= MaxForwardHops:
		p.Action, p.Looped = ForwardNotifyHolder, true
		p.Why = fmt.Sprintf("it has been forwarded automatically by %s already", strings.Join(chain, ", "))
		return p, nil
	case l.PickupConfirmation, l.Personal && p.Setting.ExcludePersonal:
		p.Action = ForwardNotifyTarget
	default:
		p.Action = ForwardLetter
	}
	// The forwarding address as an accept would take it now.
	rs := []recipient{{addr: p.Setting.Target, role: "to", field: FieldTarget}}
	opts := forwardOptions(p)
	err = s.Store.View(ctx, func(tx store.Tx) error { return s.resolve(tx, opts, rs) })
	if err != nil {
		var rf *refused
		if !errors.As(err, &rf) {
			return nil, err
		}
		p.Action, p.Why = ForwardNotifyHolder, rf.err.Error()
	}
	return p, nil
}

// forwardTrace reads a copy's Auto-Submitted value and its
// HdrForwardedFrom addresses, lower case.
func forwardTrace(header []byte) (auto string, chain []string) {
	m, err := mail.ReadMessage(bytes.NewReader(header))
	if err != nil {
		return "", nil
	}
	auto = strings.ToLower(strings.TrimSpace(m.Header.Get(HdrAutoSubmitted)))
	for _, v := range m.Header[HdrForwardedFrom] {
		chain = append(chain, strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>")))
	}
	return auto, chain
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// forwardOptions are the options of what goes to the forwarding address: a
// forward is personal as the original was (TR PVD-FU §3.1.3.2: "ebenfalls
// mit Versandoption persönlich"), and asks for no confirmation; a notice
// shows no content and is a plain letter.
func forwardOptions(p *ForwardPlan) letter.Options {
	if p.Action != ForwardLetter {
		return letter.Options{}
	}
	return letter.Options{Personal: p.Copy.Letter.Personal, PrivateID: p.Parsed.Options.PrivateID}
}
