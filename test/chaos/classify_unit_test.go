package chaos

import (
	"errors"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
)

// complete is what the checks find of a letter that arrived whole.
func complete(mid string) *facts {
	f := view{}.of("")
	f.apiSent, f.lettersA, f.messageID, f.inboxB, f.lettersB = 1, 1, mid, 1, 1
	f.apiInbox = []string{"<" + mid + ">"}
	for _, k := range wantEvidenceA {
		f.evA[k], f.apiEvents[k] = 1, 1
	}
	f.evB["ContentConsignment"] = 1
	f.ccA, f.ccB = []string{"cc-" + mid}, []string{"cc-" + mid}
	for _, k := range wantConfA {
		f.confA[k] = 1
	}
	f.confB[wantConfB[0]] = 1
	return f
}

// classifyCases are a submission's outcome and what the checks found, and
// the count that must not be zero then (nil: none may be non-zero).
var classifyCases = []struct {
	name    string
	outcome outcome
	facts   func() *facts // nil: no trace anywhere
	want    func(r *Result) int
}{
	{"accepted and whole", accepted, func() *facts { return complete("m1") }, nil},
	{"unknown and absent", unknown, nil, nil},
	{"unknown and whole", unknown, func() *facts { return complete("m1") }, nil},
	{"refused with its rejection", refused, func() *facts {
		f := view{}.of("")
		f.confA["*Ablehnung*"] = 1
		return f
	}, nil},
	{"lost at B", accepted, func() *facts {
		f := complete("m1")
		f.inboxB, f.lettersB, f.apiInbox = 0, 0, nil
		return f
	}, func(r *Result) int { return r.Lost }},
	{"twice at B", accepted, func() *facts {
		f := complete("m1")
		f.inboxB, f.apiInbox = 2, append(f.apiInbox, "m1")
		return f
	}, func(r *Result) int { return r.Duplicated }},
	{"receipt evidence missing at A", accepted, func() *facts {
		f := complete("m1")
		delete(f.evA, "ContentConsignment")
		delete(f.apiEvents, "ContentConsignment")
		return f
	}, func(r *Result) int { return r.EvidenceMissing }},
	{"dispatch confirmation twice", accepted, func() *facts {
		f := complete("m1")
		f.confA["*Versandbestätigung*"] = 2
		return f
	}, func(r *Result) int { return r.EvidenceDuplicated }},
	{"evidence does not verify", accepted, func() *facts {
		f := complete("m1")
		f.invalid = []string{"SubmissionAcceptance e1: check signature failed"}
		return f
	}, func(r *Result) int { return r.EvidenceInvalid }},
	{"A filed another receipt than B issued", accepted, func() *facts {
		f := complete("m1")
		f.ccA = []string{"other"}
		return f
	}, func(r *Result) int { return r.EvidenceInvalid }},
	{"delivery failure evidence", accepted, func() *facts {
		f := complete("m1")
		f.evA["RelayFailure"], f.apiEvents["RelayFailure"] = 1, 1
		return f
	}, func(r *Result) int { return r.EvidenceUnexpected }},
	{"unknown, at A without its receipt", unknown, func() *facts {
		f := complete("m1")
		f.inboxB, f.lettersB, f.apiInbox = 0, 0, nil
		return f
	}, func(r *Result) int { return r.HalfLetters }},
	{"refused but stored", refused, func() *facts { return complete("m1") }, func(r *Result) int { return r.HalfLetters }},
	{"unknown, absent at A, at B", unknown, func() *facts {
		f := view{}.of("")
		f.strayB = 1
		return f
	}, func(r *Result) int { return r.HalfLetters }},
	{"body unreadable", accepted, func() *facts {
		f := complete("m1")
		f.bodies = []string{"body of letter l1: blob missing"}
		return f
	}, func(r *Result) int { return r.BlobsMissing }},
	{"the API shows less than the store", accepted, func() *facts {
		f := complete("m1")
		f.apiSent = 0
		return f
	}, func(r *Result) int { return r.Mismatches }},
}

// TestClassify: the checks count what they must. A crash run that finds
// nothing proves little unless each kind of violation, when there, is seen.
func TestClassify(t *testing.T) {
	for _, c := range classifyCases {
		t.Run(c.name, func(t *testing.T) {
			sub := submission{subject: "S", outcome: c.outcome, messageID: "m1"}
			switch c.outcome {
			case unknown:
				sub.messageID, sub.err = "", errors.New("EOF")
			case refused:
				sub.messageID, sub.err = "", &client.Error{Status: 403, ErrorDetail: api.ErrorDetail{Code: "sender_state"}}
			}
			r := &run{t: t, stream: &stream{subs: []submission{sub}}}
			v := view{}
			if c.facts != nil {
				v["S"] = c.facts()
			}
			r.classify(v)
			if c.want == nil {
				if len(r.res.Problems) != 0 {
					t.Fatalf("problems in a clean case: %q", r.res.Problems)
				}
				return
			}
			if c.want(&r.res) == 0 || len(r.res.Problems) == 0 {
				t.Fatalf("not counted: %+v", r.res)
			}
			t.Logf("%q", r.res.Problems)
		})
	}
}

// TestClearRefusal: a refusal that does not say what went wrong, or not
// what the scenario's fault must make it say, is counted.
func TestClearRefusal(t *testing.T) {
	refusal := func(status int, code string) error {
		return &client.Error{Status: status, ErrorDetail: api.ErrorDetail{Code: code, Message: "…"}}
	}
	for _, c := range []struct {
		name    string
		want    string // the scenario's refusal
		err     error
		unclear bool
	}{
		{"a rule", "", refusal(403, "sender_state"), false},
		{"a 500", "", refusal(500, "internal"), true},
		{"no answer body", "", errors.New("unexpected EOF"), true},
		{"out of space", "insufficient_storage", refusal(503, "insufficient_storage"), false},
		{"out of space, 507", "insufficient_storage", refusal(507, "insufficient_storage"), false},
		{"another 503 when the disk is full", "insufficient_storage", refusal(503, "unavailable"), true},
		{"out of space, with a 400", "insufficient_storage", refusal(400, "insufficient_storage"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &run{t: t, refusal: c.want}
			r.clearRefusal(&submission{subject: "S", outcome: refused, err: c.err})
			if got := r.res.Unclear == 1 && len(r.res.Problems) == 1; got != c.unclear {
				t.Fatalf("unclear %v, want %v: %+v", got, c.unclear, r.res)
			}
		})
	}
}
