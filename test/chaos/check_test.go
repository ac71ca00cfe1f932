package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/blackbox"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/verification"
)

// facts are what the checks found about one subject, that is one
// submission: through the API as the users see it, and in the stores.
type facts struct {
	// The users' view.
	apiSent   int            // copies in the sender's Sent at A
	sentID    string         // the last of them
	sentBy    int            // whose Sent
	apiEvents map[string]int // the sender's evidence list, by event
	apiInbox  []string       // message ids of the copies in the recipient's inbox at B
	apiUnread []string       // copies at B whose text could not be read whole, and why
	confA     map[string]int // confirmation messages in the sender's folder, by kind (subject prefix)
	confB     map[string]int // in the recipient's

	// The stores.
	lettersA  int    // letters at A (one per copy in the senders' Sent)
	messageID string // the letter's at A
	inboxB    int    // the letter's copies in inboxes at B
	lettersB  int    // letters at B with that message id (0 or 1: it is unique)
	strayB    int    // copies in inboxes at B of letters A does not have
	evA, evB  map[string]int
	ccA, ccB  []string // the ids of the ContentConsignment evidence at A and at B
	invalid   []string // evidence that does not verify, or is not about its letter
	bodies    []string // bodies that cannot be read back whole
}

// view is the facts by subject.
type view map[string]*facts

func (v view) of(subject string) *facts {
	f := v[subject]
	if f == nil {
		f = &facts{apiEvents: map[string]int{}, confA: map[string]int{}, confB: map[string]int{},
			evA: map[string]int{}, evB: map[string]int{}}
		v[subject] = f
	}
	return f
}

// drain waits, both providers up, until neither has queued work left:
// every relay, confirmation and filing done. A job that failed while its
// peer was down waits out its backoff (up to 10 minutes); after half a
// minute the operator makes such jobs due at once, as `siegel queue retry`
// does. Work still queued at the deadline is a violation.
func (r *run) drain() {
	t, ctx := r.t, r.t.Context()
	began := time.Now()
	lastRetry := began
	for {
		pending, why := 0, ""
		for _, n := range []*blackbox.Node{r.a, r.b} {
			l, err := n.Operator.Queue(ctx, "", false, 100, "")
			if err != nil {
				pending, why = pending+1, why+fmt.Sprintf(" %s: %v;", n.Name, err)
				continue
			}
			pending += len(l.Jobs)
			if len(l.Jobs) > 0 {
				j := l.Jobs[0]
				why += fmt.Sprintf(" %s: %d+ jobs, first %s %s due %s attempts %d %q;", n.Name, len(l.Jobs), j.Kind, j.ID,
					j.RunAt.Format(time.TimeOnly), j.Attempts, j.LastError)
			}
		}
		if pending == 0 {
			t.Logf("queues drained in %v", time.Since(began).Round(time.Second))
			return
		}
		if time.Since(began) > r.sc.drain {
			r.problem(nil, "queues not drained within %v:%s", r.sc.drain, why)
			return
		}
		if time.Since(began) > 30*time.Second && time.Since(lastRetry) > 15*time.Second {
			lastRetry = time.Now()
			r.retryBackedOff(ctx)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// retryBackedOff makes the failed jobs that wait more than a few seconds
// due now, on both providers.
func (r *run) retryBackedOff(ctx context.Context) {
	for _, n := range []*blackbox.Node{r.a, r.b} {
		l, err := n.Operator.Queue(ctx, "", true, 1000, "")
		if err != nil {
			continue
		}
		retried := 0
		for _, j := range l.Jobs {
			if time.Until(j.RunAt) > 5*time.Second && n.Operator.RetryJob(ctx, j.ID) == nil {
				retried++
			}
		}
		if retried > 0 {
			r.t.Logf("drain: made %d backed-off jobs at %s due now", retried, n.Name)
		}
	}
}

// listAll lists a whole folder.
func listAll(ctx context.Context, c *client.Client, folder string) ([]api.LetterSummary, error) {
	var out []api.LetterSummary
	for cursor := ""; ; {
		page, err := c.List(ctx, folder, 200, cursor)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", folder, err)
		}
		out = append(out, page.Letters...)
		if cursor = page.Next; cursor == "" {
			return out, nil
		}
	}
}

// confirmationOf splits a confirmation's subject into its kind
// ("*Versandbestätigung*", …) and the letter's subject.
func confirmationOf(subject string) (kind, letter string) {
	kind, letter, _ = strings.Cut(subject, " ")
	return kind, letter
}

// viewAPI is what the users see: the senders' Sent, evidence lists and
// confirmations at A, and the recipients' inboxes (every letter opened and
// its text read) and confirmations at B.
func (r *run) viewAPI() view {
	t, ctx := r.t, r.t.Context()
	v := view{}
	for i, c := range r.sendC {
		sent, err := listAll(ctx, c, "sent")
		conf, err2 := listAll(ctx, c, "confirmations")
		if err = errors.Join(err, err2); err != nil {
			t.Fatalf("sender %s: %v", r.senders[i].Address, err)
		}
		for _, s := range sent {
			f := v.of(s.Subject)
			f.apiSent, f.sentID, f.sentBy = f.apiSent+1, s.ID, i
		}
		for _, s := range conf {
			kind, subject := confirmationOf(s.Subject)
			v.of(subject).confA[kind]++
		}
	}
	for _, f := range v {
		if f.sentID == "" {
			continue
		}
		l, err := r.sendC[f.sentBy].Evidence(ctx, f.sentID)
		if err != nil {
			t.Fatalf("evidence of %s: %v", f.sentID, err)
		}
		for _, e := range l.Evidence {
			f.apiEvents[e.Event]++
		}
	}
	for _, u := range r.rcpts {
		c := r.b.Login(u)
		inbox, err := listAll(ctx, c, "inbox")
		conf, err2 := listAll(ctx, c, "confirmations")
		if err = errors.Join(err, err2); err != nil {
			t.Fatalf("recipient %s: %v", u.Address, err)
		}
		for _, s := range inbox {
			f := v.of(s.Subject)
			l, err := c.Letter(ctx, s.ID)
			if err != nil || !strings.Contains(l.Text, s.Subject) {
				f.apiUnread = append(f.apiUnread, fmt.Sprintf("the recipient's copy %s: %v", s.ID, err))
				f.apiInbox = append(f.apiInbox, "?") // a copy, of an id unknown
				continue
			}
			f.apiInbox = append(f.apiInbox, l.MessageID)
		}
		for _, s := range conf {
			kind, subject := confirmationOf(s.Subject)
			v.of(subject).confB[kind]++
		}
	}
	return v
}

// viewStores opens both providers' stores, as siegel serve does (the
// processes are stopped, and the folder lock keeps anything else out), and
// reads every letter of the senders at A and every copy in the recipients'
// inboxes at B, with their evidence and bodies.
func (r *run) viewStores(v view) {
	ctx := r.t.Context()
	pa, pb := r.open(r.a), r.open(r.b)
	atA := map[string]bool{}
	for _, u := range r.senders {
		for _, c := range r.copies(pa, u.Address, store.Sent) {
			l := c.Letter
			f := v.of(l.Subject)
			f.lettersA++
			f.messageID, atA[l.MessageID] = l.MessageID, true
			f.invalid = append(f.invalid, r.evidence(pa, l, f.evA, &f.ccA)...)
			f.bodies = append(f.bodies, r.body(pa, l)...)
			var lb *store.Letter
			var copies []store.Copy
			err := pb.Store.View(ctx, func(tx store.Tx) error {
				var err error
				if lb, err = tx.LetterByMessageID(l.MessageID); err != nil {
					return err
				}
				copies, err = tx.CopiesOfLetter(lb.ID)
				return err
			})
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				r.t.Fatalf("B's letter %s: %v", l.MessageID, err)
			}
			f.lettersB++
			for _, c := range copies {
				if c.Folder == store.Inbox {
					f.inboxB++
				}
			}
			f.invalid = append(f.invalid, r.evidence(pb, lb, f.evB, &f.ccB)...)
			f.bodies = append(f.bodies, r.body(pb, lb)...)
		}
	}
	inboxes := 0
	for _, u := range r.rcpts {
		for _, c := range r.copies(pb, u.Address, store.Inbox) {
			inboxes++
			if !atA[c.Letter.MessageID] {
				v.of(c.Letter.Subject).strayB++
			}
		}
	}
	r.t.Logf("stores: %d letters at A, %d copies in inboxes at B, %d evidence files verified, %d bodies read back",
		len(atA), inboxes, r.verified, r.bodiesRead)
}

// open opens a stopped provider's folder for the checks.
func (r *run) open(n *blackbox.Node) *provider.Provider {
	p, err := provider.Open(r.t.Context(), n.Dir, provider.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		r.t.Fatalf("open %s's folder: %v", n.Name, err)
	}
	r.t.Cleanup(func() { p.Close() })
	return p
}

// copies lists a whole folder of the account at addr, with each copy's
// letter.
func (r *run) copies(p *provider.Provider, addr string, folder store.Folder) []store.Copy {
	var out []store.Copy
	err := p.Store.View(r.t.Context(), func(tx store.Tx) error {
		a, err := tx.AccountByAddress(addr)
		if err != nil {
			return err
		}
		var after *store.Cursor
		for {
			page, err := tx.ListCopies(a.ID, folder, after, 500)
			if err != nil || len(page) == 0 {
				return err
			}
			out = append(out, page...)
			last := page[len(page)-1]
			after = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
		}
	})
	if err != nil {
		r.t.Fatalf("%s's %s: %v", addr, folder, err)
	}
	return out
}

// evidence counts a letter's evidence by event into counts, notes the ids
// of its ContentConsignment evidence in cc, and checks each file against
// the authority's root: it must verify, and be about this letter's event,
// message and file number.
func (r *run) evidence(p *provider.Provider, l *store.Letter, counts map[string]int, cc *[]string) (bad []string) {
	var evs []store.Evidence
	err := p.Store.View(r.t.Context(), func(tx store.Tx) error {
		var err error
		evs, err = tx.EvidenceOfLetter(l.ID)
		return err
	})
	if err != nil {
		r.t.Fatalf("evidence of %s: %v", l.ID, err)
	}
	for _, e := range evs {
		r.verified++
		counts[e.Event]++
		if e.Event == "ContentConsignment" {
			*cc = append(*cc, e.ID)
		}
		rep := verification.Check(e.File, verification.Anchors{Root: r.f.RootCert})
		switch {
		case !rep.Valid:
			bad = append(bad, fmt.Sprintf("%s %s: check %s failed: %s", e.Event, e.ID, rep.FailedCheck, rep.Reason))
		case rep.Event != e.Event || rep.EvidenceID != e.ID:
			bad = append(bad, fmt.Sprintf("%s %s: the file says %s %s", e.Event, e.ID, rep.Event, rep.EvidenceID))
		case trimID(rep.MessageID) != trimID(l.MessageID) || rep.PrivateID != l.PrivateID:
			bad = append(bad, fmt.Sprintf("%s %s: about message %s (%s), not %s (%s)", e.Event, e.ID, rep.MessageID,
				rep.PrivateID, l.MessageID, l.PrivateID))
		}
	}
	return bad
}

func trimID(id string) string { return strings.Trim(id, "<>") }

// body reads a letter's body back from the row or the blob folder, which
// checks it against its name, and against the letter's integrity value.
func (r *run) body(p *provider.Provider, l *store.Letter) (bad []string) {
	r.bodiesRead++
	b, err := p.Mail.Body(r.t.Context(), l)
	switch {
	case err != nil:
		return []string{fmt.Sprintf("body of letter %s (blob %s, inline %v): %v", l.ID, l.BodyBlob, l.BodyInline, err)}
	case !bytes.Equal(sum(b), l.BodyHash):
		return []string{fmt.Sprintf("body of letter %s: %d bytes that do not match its hash", l.ID, len(b))}
	}
	return nil
}

func sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
