package chaos

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// The evidence and confirmation messages a letter with dispatch and receipt
// confirmation to another provider ends with, each exactly once.
var (
	// At A, the sender's provider: its own dispatch and handover evidence,
	// and the receipt evidence B issued, filed with the letter.
	wantEvidenceA = []string{"SubmissionAcceptance", "RelayAcceptance", "ContentConsignment"}
	// At B, the recipient's provider: the receipt evidence it issued.
	wantEvidenceB = []string{"ContentConsignment"}
	// The sender gets the dispatch and the receipt confirmation; the
	// recipient a copy of the receipt confirmation.
	wantConfA = []string{"*Versandbestätigung*", "*Eingangsbestätigung*"}
	wantConfB = []string{"*Eingangsbestätigung*"}
)

// classify holds every submission against the facts, and counts.
func (r *run) classify(v view) {
	res := &r.res
	res.Operations = len(r.stream.subs)
	mine := map[string]bool{}
	for i := range r.stream.subs {
		s := &r.stream.subs[i]
		mine[s.subject] = true
		f := v.of(s.subject)
		switch s.outcome {
		case accepted:
			res.Accepted++
			r.whole(s, f)
		case refused:
			res.Refused++
			r.clearRefusal(s)
			r.absent(s, f)
		default:
			res.Unknown++
			if f.lettersA > 0 || f.apiSent > 0 {
				res.UnknownStored++
				r.whole(s, f)
			} else {
				r.absent(s, f)
			}
		}
	}
	for _, subject := range slices.Sorted(maps.Keys(v)) {
		if !mine[subject] {
			r.problem(&res.HalfLetters, "%q is in a mailbox, but no submission had that subject", subject)
		}
	}
}

// whole checks a letter that was accepted (or may have been) for being
// there exactly once, complete. What an accepted letter lacks is lost or
// missing; what a letter whose answer was lost lacks makes it a half
// letter.
func (r *run) whole(s *submission, f *facts) {
	res, name := &r.res, s.subject
	if s.during != "" {
		name += " (sent during " + s.during + ")"
	}
	var missing []string
	miss := func(count *int, format string, args ...any) {
		if s.outcome == accepted {
			r.problem(count, name+": "+format, args...)
		} else {
			missing = append(missing, fmt.Sprintf(format, args...))
		}
	}
	switch {
	case f.lettersA == 0:
		miss(&res.Lost, "not in the sender's Sent at A")
	case f.lettersA > 1:
		r.problem(&res.Duplicated, "%s: %d letters at A", name, f.lettersA)
	case s.outcome == accepted && f.messageID != s.messageID:
		r.problem(&res.Lost, "%s: accepted as %s, but A's letter is %s", name, s.messageID, f.messageID)
	}
	switch {
	case f.inboxB == 0:
		miss(&res.Lost, "not in the recipient's inbox at B")
	case f.inboxB > 1 || f.lettersB > 1:
		r.problem(&res.Duplicated, "%s: %d copies in the recipient's inbox at B (%d letters)", name, f.inboxB, f.lettersB)
	}
	for _, id := range f.apiInbox {
		if id != "?" && trimID(id) != trimID(f.messageID) {
			r.problem(&res.Duplicated, "%s: a copy at B has message id %s, A's letter %s", name, id, f.messageID)
		}
	}
	r.pieces(name, "A's store", f.evA, wantEvidenceA, miss)
	r.pieces(name, "B's store", f.evB, wantEvidenceB, miss)
	r.pieces(name, "the sender's confirmations", f.confA, wantConfA, miss)
	r.pieces(name, "the recipient's confirmations", f.confB, wantConfB, miss)
	if len(f.ccA) == 1 && len(f.ccB) == 1 && f.ccA[0] != f.ccB[0] {
		r.problem(&res.EvidenceInvalid, "%s: A filed receipt evidence %s, B issued %s", name, f.ccA[0], f.ccB[0])
	}
	for _, b := range f.invalid {
		r.problem(&res.EvidenceInvalid, "%s: %s", name, b)
	}
	for _, b := range append(f.bodies, f.apiUnread...) {
		r.problem(&res.BlobsMissing, "%s: %s", name, b)
	}
	r.compareViews(name, f)
	if len(missing) > 0 {
		r.problem(&res.HalfLetters, "%s: %s without an answer, stored in part: %s", name, s.outcome, strings.Join(missing, "; "))
	}
}

// pieces checks that each wanted evidence event or confirmation kind is in
// counts once, and that nothing else is.
func (r *run) pieces(name, where string, counts map[string]int, want []string, miss func(*int, string, ...any)) {
	for _, k := range want {
		switch n := counts[k]; {
		case n == 0:
			miss(&r.res.EvidenceMissing, "no %s in %s", k, where)
		case n > 1:
			r.problem(&r.res.EvidenceDuplicated, "%s: %d× %s in %s", name, n, k, where)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(want, k) {
			r.problem(&r.res.EvidenceUnexpected, "%s: %d× %s in %s", name, counts[k], k, where)
		}
	}
}

// compareViews: the users see through the API what the stores hold.
func (r *run) compareViews(name string, f *facts) {
	if f.apiSent != f.lettersA || len(f.apiInbox) != f.inboxB {
		r.problem(&r.res.Mismatches, "%s: through the API %d in Sent and %d in the inbox; in the stores %d and %d",
			name, f.apiSent, len(f.apiInbox), f.lettersA, f.inboxB)
	}
	if !maps.Equal(f.apiEvents, f.evA) {
		r.problem(&r.res.Mismatches, "%s: the sender's evidence list %v, A's store %v", name, f.apiEvents, f.evA)
	}
}

// clearRefusal counts a refusal that does not say what went wrong (a 500,
// "internal"), or, in a scenario whose fault is the only reason to refuse a
// letter, one that does not name that fault: 503 or 507 with r.refusal.
func (r *run) clearRefusal(s *submission) {
	var ce *client.Error
	switch {
	case !errors.As(s.err, &ce) || ce.Status == http.StatusInternalServerError || ce.Code == "internal":
		r.problem(&r.res.Unclear, "%s: refused without saying why: %v", s.subject, s.err)
	case r.refusal != "" && (ce.Code != r.refusal ||
		ce.Status != http.StatusServiceUnavailable && ce.Status != http.StatusInsufficientStorage):
		r.problem(&r.res.Unclear, "%s: refused with %d %s, not %s: %v", s.subject, ce.Status, ce.Code, r.refusal, s.err)
	}
}

// absent checks that a letter that was refused, or whose answer was lost
// before A stored it, left no trace: no letter, no copy, no evidence; a
// refused letter may have its SubmissionRejection confirmation, nothing
// else.
func (r *run) absent(s *submission, f *facts) {
	var found []string
	if f.lettersA > 0 || f.apiSent > 0 {
		found = append(found, fmt.Sprintf("%d letters at A", max(f.lettersA, f.apiSent)))
	}
	if n := max(f.inboxB, len(f.apiInbox), f.strayB, f.lettersB); n > 0 {
		found = append(found, fmt.Sprintf("%d copies at B", n))
	}
	if len(found) > 0 {
		r.problem(&r.res.HalfLetters, "%s: %s (%v, during %q), but %s", s.subject, s.outcome, s.err, s.during,
			strings.Join(found, ", "))
	}
	rejection := 0
	if s.outcome == refused {
		rejection = 1
	}
	for k, n := range f.confA {
		if k != "*Ablehnung*" || n > rejection {
			r.problem(&r.res.EvidenceUnexpected, "%s: %s, but %d× %s in the sender's confirmations", s.subject, s.outcome, n, k)
		}
	}
	for k, n := range f.confB {
		r.problem(&r.res.EvidenceUnexpected, "%s: %s, but %d× %s in the recipient's confirmations", s.subject, s.outcome, n, k)
	}
	for k, n := range f.apiEvents {
		r.problem(&r.res.EvidenceUnexpected, "%s: %s, but %d× %s evidence", s.subject, s.outcome, n, k)
	}
}
