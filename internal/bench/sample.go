package bench

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// watched is a provider process the run samples.
type watched struct {
	role string // A, B, or A+B when one process serves both
	pid  int
}

// procSample is one reading of a process.
type procSample struct {
	at  time.Time
	rss int64
	cpu float64 // seconds of CPU since the process started
}

// sampler reads the watched processes once a second while the run goes on:
// the peak RSS of the run is the highest reading (VmHWM would include
// whatever the process held before the run), the CPU the difference of
// the first and last.
type sampler struct {
	procs []watched
	now   func() time.Time
	mu    sync.Mutex
	got   [][]procSample // by process
	err   []error
}

func newSampler(procs []watched, now func() time.Time) *sampler {
	return &sampler{procs: procs, now: now, got: make([][]procSample, len(procs)), err: make([]error, len(procs))}
}

// start samples until the returned function is called, which returns the
// samples.
func (s *sampler) start(ctx context.Context) func() [][]procSample {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.read()
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.read()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() [][]procSample {
		cancel()
		<-done
		s.read()
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.got
	}
}

func (s *sampler) read() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.procs {
		m, cpu, err := readProc(p.pid)
		if err != nil {
			s.err[i] = err
			continue
		}
		s.got[i] = append(s.got[i], procSample{at: s.now(), rss: m.RSS, cpu: cpu})
	}
}

// setIdleConns lets c keep n connections to its server between requests,
// so that each of the concurrent senders' requests reuses one (TLS
// handshakes are not what the bench measures).
func setIdleConns(c *client.Client, n int) {
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, n)
		tr.MaxIdleConns = max(tr.MaxIdleConns, n)
	}
}
