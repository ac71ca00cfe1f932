package chaos

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/blackbox"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/provider/providertest"
)

var (
	flagKills   = flag.Int("chaos.kills", 0, "TestCrashLong: how many times to kill a provider with SIGKILL (default 20); setting it runs the long test")
	flagLetters = flag.Int("chaos.letters", 0, "TestCrashLong: how many letters to submit (default 4000)")
	flagRate    = flag.Float64("chaos.rate", 0, "TestCrashLong: submissions per second while provider A is up (default 30)")
	flagSeed    = flag.Uint64("chaos.seed", 0, "the seed of the kill schedule and the letters; 0 picks one, which the test logs so that a failure can be replayed")
	flagOut     = flag.String("chaos.out", "", "append the result's table row to this Markdown file")
)

// scenario is one crash run.
type scenario struct {
	name    string
	kills   int
	letters int
	rate    float64 // submissions per second, while A is up
	drain   time.Duration
}

// TestCrashShort is the crash test at the size `go test ./...` affords: a
// few kills of each provider while a couple of hundred letters flow. It
// fails when any count that must be zero is not.
func TestCrashShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two providers; skipped in -short mode")
	}
	runCrash(t, scenario{name: "crash-short", kills: 4, letters: 200, rate: 20, drain: 4 * time.Minute})
}

// TestCrashLong is the crash test of docs/reliability.md: at least 20 kills
// while thousands of letters flow. It runs only when asked for (README.md).
func TestCrashLong(t *testing.T) {
	if os.Getenv("SIEGEL_CHAOS_LONG") == "" && *flagKills == 0 {
		t.Skip("the long crash test runs with SIEGEL_CHAOS_LONG=1 or -chaos.kills=N (test/chaos/README.md)")
	}
	sc := scenario{name: "crash", kills: 20, letters: 4000, rate: 30, drain: 15 * time.Minute}
	if *flagKills > 0 {
		sc.kills = *flagKills
	}
	if *flagLetters > 0 {
		sc.letters = *flagLetters
	}
	if *flagRate > 0 {
		sc.rate = *flagRate
	}
	runCrash(t, sc)
}

// run is one crash run in progress.
type run struct {
	t       *testing.T
	sc      scenario
	seed    uint64
	store   string // sqlite or postgres
	f       *blackbox.Federation
	a, b    *blackbox.Node
	senders []*blackbox.User
	rcpts   []*blackbox.User
	sendC   []*client.Client // the senders' sessions at high
	stream  *stream
	res     Result
	// refusal is the code of the one refusal the scenario's fault may
	// cause ("" for none: any error code is taken).
	refusal string
	// What the store checks read, for the log.
	verified, bodiesRead int
}

// runCrash runs sc: the federation, the stream with its kills, the drain,
// the checks, and the result.
func runCrash(t *testing.T, sc scenario) {
	seed := pickSeed(t, sc)
	r := setup(t, sc, seed, nil)
	rng := rand.New(rand.NewPCG(seed, 9))
	plan := planKills(rng, sc.kills, sc.letters)
	began := time.Now()
	ctx := t.Context()
	go r.stream.run(ctx, 8)
	for k, kl := range plan {
		r.awaitDone(kl.after)
		time.Sleep(kl.jitter)
		r.kill(k, kl)
	}
	r.res.Faults = fmt.Sprintf("%d SIGKILL (A %d, B %d)", r.res.Kills, r.res.KillsOf[0], r.res.KillsOf[1])
	r.finish(began)
}

// pickSeed is -chaos.seed, or a new seed, which it logs so that a failed
// run can be replayed.
func pickSeed(t *testing.T, sc scenario) uint64 {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano()) % 1_000_000_000
	}
	t.Logf("%s: seed %d (replay the schedule with -run '^%s$' -chaos.seed=%d)", sc.name, seed, t.Name(), seed)
	return seed
}

// finish is every scenario's end, once its faults are over: it waits for
// the stream to end, drains both queues, checks both providers through the
// API and in their stores, and reports.
func (r *run) finish(began time.Time) {
	t := r.t
	<-r.stream.ended
	t.Logf("stream ended after %v: %d letters submitted%s", time.Since(began).Round(time.Second), len(r.stream.subs),
		r.stream.errorsByKind())
	r.drain()
	v := r.viewAPI()
	for _, n := range []*blackbox.Node{r.a, r.b} {
		n.Stop() // SIGTERM: a clean stop after all those kills, and the stores free for the checks
		// Errors while running (not at start) are not violations in
		// themselves (a peer that was killed mid-transfer is one), but
		// worth a look.
		if lines := errorLines(n.Log()); len(lines) > 0 {
			t.Logf("%s logged %d errors over the run, the first:\n%s", n.Name, len(lines), strings.Join(lines[:min(len(lines), 10)], "\n"))
		}
	}
	r.viewStores(v)
	r.classify(v)
	r.res.Duration = time.Since(began).Round(time.Second)
	r.report()
}

// setup makes the federation, starts both providers and opens the senders
// at A (at high, so that no daily limit stops them) and the recipients at B.
// edit, unless nil, changes the federation's setup for a scenario.
func setup(t *testing.T, sc scenario, seed uint64, edit func(*blackbox.Setup)) *run {
	r := &run{t: t, sc: sc, seed: seed, store: "sqlite"}
	if os.Getenv("SIEGEL_TEST_STORE") == "postgres" {
		r.store = "postgres"
	}
	bin := blackbox.Build(t)
	bs := blackbox.Setup{
		// A schema of its own for each provider when SIEGEL_TEST_STORE=postgres.
		Store: func(string) string { return providertest.StoreURL(t) },
		Configure: func(_ string, c *provider.Config) {
			// A killed process's jobs pass to its successor once their
			// lease ends: 5 s (the least allowed), not a minute.
			c.Queue.Lease = provider.Duration{Duration: 5 * time.Second}
		},
	}
	if edit != nil {
		edit(&bs)
	}
	r.f = blackbox.NewFederation(t, bin, bs, "a.chaos.test", "b.chaos.test")
	r.a, r.b = r.f.Nodes[0], r.f.Nodes[1]
	r.a.Start(0)
	r.b.Start(0)
	for i, name := range []string{"Nord", "Ost", "Süd", "West"} {
		u := r.a.Open(providertest.OrgApp("organisation", "Versand "+name+" GmbH", false), true)
		r.senders = append(r.senders, u)
		r.sendC = append(r.sendC, r.a.LoginHigh(u))
		first, last := []string{"Anna", "Bernd", "Clara", "David"}[i], []string{"Berg", "Dorn", "Esch", "Fink"}[i]
		r.rcpts = append(r.rcpts, r.b.Open(providertest.PersonApp(first, last), false))
	}
	var to []string
	for _, u := range r.rcpts {
		to = append(to, u.Address)
	}
	r.stream = newStream(sc.letters, seed, r.sendC, to, sc.rate)
	r.res = Result{Scenario: sc.name, Store: r.store, Seed: seed}
	return r
}

// kill is one planned fault: after how many finished submissions, a little
// later, which provider, and how long it stays down.
type kill struct {
	after    int
	jitter   time.Duration
	victim   int // 0: A, 1: B
	downtime time.Duration
}

// planKills draws the whole schedule from the seed before the run, so that
// the same seed gives the same schedule whatever the timing: the moments
// spread over the stream, A and B killed equally often in random order.
func planKills(rng *rand.Rand, kills, letters int) []kill {
	plan := make([]kill, kills)
	for i := range plan {
		plan[i] = kill{after: letters/20 + rng.IntN(letters*9/10+1), jitter: time.Duration(rng.IntN(300)) * time.Millisecond,
			victim: i % 2, downtime: time.Duration(rng.IntN(1500)) * time.Millisecond}
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i].victim, plan[j].victim = plan[j].victim, plan[i].victim })
	slices.SortStableFunc(plan, func(x, y kill) int { return x.after - y.after })
	return plan
}

// awaitDone waits until n submissions have finished, or the stream ended.
func (r *run) awaitDone(n int) {
	for r.stream.done.Load() < int64(n) {
		select {
		case <-r.stream.ended:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// kill kills a provider with SIGKILL, starts it again on its folder after
// the planned downtime, and checks that it came up cleanly: it starts, it
// answers, it stays up, and it logs no error while starting.
func (r *run) kill(k int, kl kill) {
	t := r.t
	n := []*blackbox.Node{r.a, r.b}[kl.victim]
	what := fmt.Sprintf("kill %d of %s", k+1, n.Name)
	if n == r.a {
		// A's kill is to cut submissions off: wait (a little) for one in
		// flight. B's meets the handovers and confirmations under way.
		for wait := time.Now().Add(2 * time.Second); r.stream.flight.Load() == 0 && time.Now().Before(wait); {
			time.Sleep(time.Millisecond)
		}
		r.stream.gate.close()
	}
	r.stream.fault.Store(what)
	t.Logf("%s after %d submissions (+%v), %d in flight, down for %v", what, r.stream.done.Load(), kl.jitter,
		r.stream.flight.Load(), kl.downtime)
	if !n.Proc.Kill() {
		_, err := n.Proc.Exited()
		r.problem(&r.res.BadStarts, "%s: siegel serve had ended by itself before the kill: %v", what, err)
	}
	r.res.Kills++
	r.res.KillsOf[kl.victim]++
	time.Sleep(kl.downtime)
	if err := n.TryStart(0); err != nil {
		t.Fatalf("%s: siegel serve did not start again: %v", what, err)
	}
	blackbox.WaitFor(t, time.Minute, what+": the restarted provider answers", func() (bool, string) {
		_, err := n.Operator.Queue(t.Context(), "", false, 1, "")
		return err == nil, fmt.Sprint(err)
	})
	if exited, err := n.Proc.Exited(); exited {
		r.problem(&r.res.BadStarts, "%s: siegel serve ended after it answered: %v", what, err)
	}
	if lines := errorLines(n.StartLog()); len(lines) > 0 {
		r.problem(&r.res.BadStarts, "%s: errors in the log at start:\n%s", what, strings.Join(lines, "\n"))
	}
	r.stream.fault.Store("")
	if n == r.a {
		r.stream.gate.reopen()
	}
}

// errorLines are a log's lines at level ERROR (the text handler's format,
// the config's default).
func errorLines(log string) []string {
	var out []string
	for l := range strings.Lines(log) {
		if strings.Contains(l, " level=ERROR ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// problem counts one violation (in count, unless nil) and says what it
// was: any problem fails the test.
func (r *run) problem(count *int, format string, args ...any) {
	if count != nil {
		*count++
	}
	r.res.Problems = append(r.res.Problems, fmt.Sprintf(format, args...))
}

// report logs the result as a table, appends its row to -chaos.out, and
// fails the test when a count that must be zero is not.
func (r *run) report() {
	t := r.t
	t.Logf("result:\n%s%s", tableHeader, r.res.row())
	if *flagOut != "" {
		f, err := os.OpenFile(*flagOut, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			_, err = f.WriteString(r.res.row())
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			t.Errorf("-chaos.out: %v", err)
		}
	}
	if len(r.res.Problems) == 0 {
		return
	}
	shown := r.res.Problems[:min(len(r.res.Problems), 40)]
	t.Errorf("%d violations (replay with -chaos.seed=%d):\n%s", len(r.res.Problems), r.seed, strings.Join(shown, "\n"))
}
