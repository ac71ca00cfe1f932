package chaos

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/blackbox"
	"github.com/siegel-mail/siegel/internal/provider"
)

// netTimeout is the providers' federation.smtp_timeout in the network
// test: short, so that a stalled or slow connection runs into it many times
// in a run (the least the config allows is a second).
const netTimeout = 2 * time.Second

// TestNetworkShort is the network fault test at the size `go test ./...`
// affords: a couple of hundred letters while the connections between the
// providers are reset, cut, stalled and slowed past their timeout. It
// fails when any count that must be zero is not.
func TestNetworkShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two providers; skipped in -short mode")
	}
	runNetwork(t, scenario{name: "network-short", letters: 200, rate: 20, drain: 4 * time.Minute})
}

// TestNetworkLong is the network fault test of docs/reliability.md:
// thousands of letters through the faulty network. It runs only when asked
// for (README.md).
func TestNetworkLong(t *testing.T) {
	if os.Getenv("SIEGEL_CHAOS_LONG") == "" {
		t.Skip("the long network test runs with SIEGEL_CHAOS_LONG=1 (test/chaos/README.md)")
	}
	sc := scenario{name: "network", letters: 4000, rate: 30, drain: 15 * time.Minute}
	if *flagLetters > 0 {
		sc.letters = *flagLetters
	}
	if *flagRate > 0 {
		sc.rate = *flagRate
	}
	runNetwork(t, sc)
}

// runNetwork runs sc with a faulty proxy in front of each provider's
// federation listener while the letters flow; once the stream has ended the
// network heals, and the queues drain and the checks run as after the
// crash test.
func runNetwork(t *testing.T, sc scenario) {
	seed := pickSeed(t, sc)
	var proxies []*proxy
	r := setup(t, sc, seed, func(s *blackbox.Setup) {
		configure := s.Configure
		s.Configure = func(d string, c *provider.Config) {
			configure(d, c)
			c.Federation.SMTPTimeout = provider.Duration{Duration: netTimeout}
		}
		// The trust list names the proxy as each provider's endpoint: A's
		// handovers reach B through one, B's confirmations reach A through
		// the other.
		s.SMTPEndpoint = func(domain, listen string) string {
			name := map[string]string{"a.chaos.test": "B→A", "b.chaos.test": "A→B"}[domain]
			p := newProxy(t, len(proxies), name, listen, seed, netTimeout)
			proxies = append(proxies, p)
			return p.addr
		}
	})
	began := time.Now()
	r.stream.fault.Store("network faults")
	go r.stream.run(t.Context(), 8)
	<-r.stream.ended
	var conns int64
	var byKind [faultKinds]int64
	var lines []string
	for _, p := range proxies {
		p.heal()
		conns += p.accepted.Load()
		for k := range byKind {
			byKind[k] += p.injected[k].Load()
		}
		lines = append(lines, p.summary())
	}
	t.Logf("the network heals; until now %s", strings.Join(lines, "; "))
	var total int64
	for _, n := range byKind {
		total += n
	}
	r.res.Faults = fmt.Sprintf("%d in %d connections (reset %d, cut %d, stall %d, reply delay %d)", total, conns,
		byKind[reset], byKind[cut], byKind[stall], byKind[slowReply])
	r.finish(began)
	// How often a fault hit after the receiver had stored a message and
	// before its 250 arrived: the sender sent it again, and was answered
	// 250 again without a second copy.
	t.Logf("handed over again after a lost 250: %d letters at B, %d confirmations at A",
		strings.Count(r.b.Log(), "relay: letter received before; answered again"),
		strings.Count(r.a.Log(), "relay: confirmation received before; answered again"))
}
