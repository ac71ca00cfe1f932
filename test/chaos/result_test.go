package chaos

import (
	"fmt"
	"runtime"
	"time"
)

// Result is what a crash run found: the row docs/reliability.md keeps.
// Every count from Lost on must be zero; each one counted is also described
// in Problems.
type Result struct {
	Scenario string
	Store    string // sqlite or postgres
	Seed     uint64
	// Operations is the submissions made, Kills the SIGKILLs (KillsOf:
	// of A, of B).
	Operations int
	Kills      int
	KillsOf    [2]int
	// Faults says what was done to the providers, in the words of the
	// table's column "faults injected".
	Faults string
	// Accepted were answered 201, Refused with an error; Unknown got no
	// answer, and UnknownStored of those were accepted nevertheless (and
	// must be whole).
	Accepted, Refused, Unknown, UnknownStored int

	// Lost: accepted letters not in the recipient's inbox (or gone from the
	// sender's Sent). Duplicated: letters stored more than once there.
	Lost, Duplicated int
	// Evidence of accepted letters, counted per piece (an evidence file in
	// a store, a confirmation message in a mailbox): missing, there more
	// than once, or not verifying against the authority's root or not about
	// its letter.
	EvidenceMissing, EvidenceDuplicated, EvidenceInvalid int
	// EvidenceUnexpected: evidence or confirmations about letters that were
	// not accepted (but for a refused letter's SubmissionRejection), and
	// failure evidence (RelayFailure, ContentConsignmentFailure) of any.
	EvidenceUnexpected int
	// HalfLetters: letters the client was not told were accepted that exist
	// in part, or letters no submission explains.
	HalfLetters int
	// BlobsMissing: bodies a letter names that cannot be read back whole.
	BlobsMissing int
	// BadStarts: restarts that failed, ended, or logged an error at start;
	// Mismatches: the users' view through the API and the stores disagree.
	BadStarts, Mismatches int
	// Unclear: refusals that do not say what went wrong (a 500), or not
	// what the scenario's fault must make them say (the full disk's
	// insufficient_storage). NotResumed: a provider that did not take
	// letters again by itself once the fault was over, or ended.
	Unclear, NotResumed int

	Duration time.Duration
	Problems []string
}

// tableHeader is docs/reliability.md's table header; row fills it.
const tableHeader = "| scenario | store | seed | operations | faults injected | accepted | refused | unknown (stored) | lost | duplicated | evidence missing | evidence duplicated | evidence invalid | evidence unexpected | half letters | blobs missing | bad starts | API/store mismatches | unclear refusals | not resumed | duration | date | machine |\n" +
	"|---|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n"

func (r *Result) row() string {
	return fmt.Sprintf("| %s | %s | %d | %d | %s | %d | %d | %d (%d) | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %v | %s | %s/%s, %d cores |\n",
		r.Scenario, r.Store, r.Seed, r.Operations, r.Faults, r.Accepted, r.Refused,
		r.Unknown, r.UnknownStored, r.Lost, r.Duplicated, r.EvidenceMissing, r.EvidenceDuplicated, r.EvidenceInvalid,
		r.EvidenceUnexpected, r.HalfLetters, r.BlobsMissing, r.BadStarts, r.Mismatches, r.Unclear, r.NotResumed, r.Duration,
		time.Now().UTC().Format(time.DateOnly), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
