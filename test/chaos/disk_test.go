package chaos

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/blackbox"
)

// diskFull is the code of the refusal a provider out of space answers a
// submission with (HTTP 503): nothing was stored, try again later.
const diskFull = "insufficient_storage"

// TestDiskFullShort is the full-disk test at the size `go test ./...`
// affords: each provider's data folder on a small file system of its own,
// filled up three times (A's, B's, both) while letters flow. It fails when
// any count that must be zero is not, and skips (fails, when CI is set)
// where no small file system can be made.
func TestDiskFullShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two providers; skipped in -short mode")
	}
	runDisk(t, scenario{name: "disk-full-short", letters: 300, rate: 20, drain: 4 * time.Minute}, 3, 96<<20)
}

// TestDiskFullLong is the full-disk test of docs/reliability.md: twelve
// fills while thousands of letters flow. It runs only when asked for
// (README.md).
func TestDiskFullLong(t *testing.T) {
	if os.Getenv("SIEGEL_CHAOS_LONG") == "" {
		t.Skip("the long full-disk test runs with SIEGEL_CHAOS_LONG=1 (test/chaos/README.md)")
	}
	sc := scenario{name: "disk-full", letters: 4000, rate: 30, drain: 15 * time.Minute}
	if *flagLetters > 0 {
		sc.letters = *flagLetters
	}
	if *flagRate > 0 {
		sc.rate = *flagRate
	}
	// About 150 KiB a letter at A and at B, with its confirmations.
	runDisk(t, sc, 12, int64(sc.letters)*200<<10+64<<20)
}

// diskFill is one planned fault: after how many finished submissions,
// whose disks (0: A, 1: B), and how long they stay full.
type diskFill struct {
	after   int
	victims []int
	hold    time.Duration
}

// planFills draws the schedule from the seed: the moments spread over the
// stream; A's disk, B's and both as often, in random order; full for 1 to
// 4 seconds.
func planFills(rng *rand.Rand, fills, letters int) []diskFill {
	plan := make([]diskFill, fills)
	for i := range plan {
		plan[i] = diskFill{after: letters/10 + rng.IntN(letters*7/10+1), victims: [][]int{{0}, {1}, {0, 1}}[i%3],
			hold: time.Second + time.Duration(rng.IntN(3000))*time.Millisecond}
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i].victims, plan[j].victims = plan[j].victims, plan[i].victims })
	slices.SortStableFunc(plan, func(x, y diskFill) int { return x.after - y.after })
	return plan
}

// disks is what the full-disk run keeps beside the crash run's state.
type disks struct {
	mounts [2]string // A's and B's small file systems
	probes []submission
	inbox  *client.Client // the first recipient at B, to see a probe arrive
	fills  [3]int         // of A, of B, of both
	full   time.Duration
}

// runDisk runs sc with each provider's data folder on a tmpfs of size
// bytes, filled up fills times: a filler file beside the data folder takes
// every byte left, stays for a while, and is removed. While A's disk is full
// a letter with a body file must be refused with insufficient_storage; once
// space is back, A must accept letters again, and B take them, by
// themselves. Then the queues drain and the checks run as after the crash
// test.
func runDisk(t *testing.T, sc scenario, fills int, size int64) {
	if err := canMount(t); err != nil {
		inNamespace(t, err)
		return
	}
	seed := pickSeed(t, sc)
	d := &disks{}
	r := setup(t, sc, seed, func(s *blackbox.Setup) {
		s.Dir = func(domain string) string {
			i := map[string]int{"a.chaos.test": 0, "b.chaos.test": 1}[domain]
			d.mounts[i] = smallFS(t, domain, size)
			return filepath.Join(d.mounts[i], "data")
		}
	})
	r.refusal = diskFull
	d.inbox = r.b.Login(r.rcpts[0])
	plan := planFills(rand.New(rand.NewPCG(seed, 11)), fills, sc.letters)
	began := time.Now()
	go r.stream.run(t.Context(), 8)
	for k, f := range plan {
		r.awaitDone(f.after)
		r.fillDisks(d, k, f)
	}
	<-r.stream.ended
	for i, n := range []*blackbox.Node{r.a, r.b} {
		t.Logf("%s's file system: %d MiB of %d MiB free", n.Name, freeBytes(d.mounts[i])>>20, size>>20)
	}
	// The probes are submissions like the stream's, and checked alike.
	r.stream.subs = append(r.stream.subs, d.probes...)
	r.res.Faults = fmt.Sprintf("%d disks full (A %d, B %d, both %d; %s), %v in all", d.fills[0]+d.fills[1]+d.fills[2],
		d.fills[0], d.fills[1], d.fills[2], *flagFS, d.full.Round(time.Second))
	r.finish(began)
}

// fillDisks fills the disks of f's victims, holds, frees them, and checks
// that service resumes.
func (r *run) fillDisks(d *disks, k int, f diskFill) {
	t := r.t
	nodes := []*blackbox.Node{r.a, r.b}
	var names []string
	for _, v := range f.victims {
		names = append(names, nodes[v].Name)
	}
	what := fmt.Sprintf("fill %d (%s)", k+1, strings.Join(names, " and "))
	r.stream.fault.Store(what)
	full := time.Now()
	for _, v := range f.victims {
		n, err := fill(filepath.Join(d.mounts[v], "filler"))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s after %d submissions: %s's disk full (%d MiB written beside its data folder, %d bytes left)",
			what, r.stream.done.Load(), nodes[v].Name, n>>20, freeBytes(d.mounts[v]))
	}
	if slices.Contains(f.victims, 0) {
		// Deterministically refused: a body file needs more than is left.
		s := r.probe(d)
		if s.outcome == accepted {
			r.problem(nil, "%s: %s was accepted though A's disk was full", what, s.subject)
		}
		t.Logf("%s: a letter with a body file was %s: %v", what, s.outcome, s.err)
	}
	time.Sleep(f.hold)
	for _, v := range f.victims {
		if err := os.Remove(filepath.Join(d.mounts[v], "filler")); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	d.full += time.Since(full)
	if len(f.victims) == 2 {
		d.fills[2]++
	} else {
		d.fills[f.victims[0]]++
	}
	r.stream.fault.Store("")
	for _, v := range f.victims {
		if exited, err := nodes[v].Proc.Exited(); exited {
			r.problem(&r.res.NotResumed, "%s: %s's siegel serve ended while its disk was full: %v", what, nodes[v].Name, err)
			if err := nodes[v].TryStart(0); err != nil {
				t.Fatalf("%s: siegel serve did not start again: %v", what, err)
			}
		}
	}
	r.resume(d, what, slices.Contains(f.victims, 1))
}

// resume checks that service resumes by itself once space is back: A
// accepts a letter with a body file again, and, after B's disk was full,
// B stores it in its recipient's inbox, each within two minutes (generous: it takes milliseconds).
func (r *run) resume(d *disks, what string, viaB bool) {
	t, ctx := r.t, r.t.Context()
	freed := time.Now()
	var s submission
	for {
		s = r.probe(d)
		if s.outcome == accepted {
			break
		}
		if time.Since(freed) > 2*time.Minute {
			r.problem(&r.res.NotResumed, "%s: A refuses letters two minutes after its disk had space again: %v", what, s.err)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%s: A accepts letters again after %v", what, time.Since(freed).Round(time.Millisecond))
	if !viaB {
		return
	}
	for {
		inbox, err := listAll(ctx, d.inbox, "inbox")
		if err == nil && slices.ContainsFunc(inbox, func(l api.LetterSummary) bool { return l.Subject == s.subject }) {
			t.Logf("%s: B stores letters again after %v", what, time.Since(freed).Round(time.Millisecond))
			return
		}
		if time.Since(freed) > 2*time.Minute {
			r.problem(&r.res.NotResumed, "%s: B has not stored %s two minutes after its disk had space again (%v)", what,
				s.subject, err)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// probe submits a letter with a body file (a blob, not kept in the
// database row) from the first sender to the first recipient, and keeps it
// to be checked with the stream's.
func (r *run) probe(d *disks) submission {
	n := len(r.stream.subs) + len(d.probes)
	s := submission{n: n, subject: fmt.Sprintf("Chaos %d Probe %05d", r.seed, n),
		privateID: fmt.Sprintf("AZ-%d-P%05d", r.seed, n), big: true}
	r.stream.send(r.t.Context(), &s)
	d.probes = append(d.probes, s)
	return s
}
