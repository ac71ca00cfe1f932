package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/queue"
)

// nodeName names this process among the provider's nodes, for the leases it
// takes: the host, the process, and a random part, so that a restarted
// process is a new node and never mistakes an old lease for its own.
func nodeName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// scheduled is the provider's periodic work, each task on one node at a time.
func (p *Provider) scheduled() []*queue.Singleton {
	return []*queue.Singleton{
		{Name: "session-cleanup", Every: 10 * time.Minute, Lease: 30 * time.Minute, Task: p.Auth.CleanupSessions},
		{Name: "mailbox-usage", Every: mailbox.FoldEvery, Lease: time.Minute, Task: p.Mail.FoldUsage},
	}
}

// relayConcurrency is how many handovers a node runs at once: they wait on
// the network, not the CPU.
const relayConcurrency = 32

// workers are the provider's queued work, each job done by one node.
func (p *Provider) workers() []*queue.Worker {
	lease := p.Config.Queue.Lease.Duration
	ws := []*queue.Worker{
		{Kind: mailbox.JobDeemedService, Handle: p.Mail.HandleDeemedService, Lease: lease, Batch: 100,
			Poll: 5 * time.Second, MaxBackoff: time.Hour},
		{Kind: mailbox.JobPickupReminder, Handle: p.Confirm.HandleReminder, Lease: lease, Batch: 100,
			Poll: 5 * time.Second, MaxBackoff: time.Hour},
		{Kind: mailbox.JobMalwareNotice, Handle: p.Confirm.HandleMalwareNotice, Lease: lease, Batch: 100,
			Poll: time.Second, MaxBackoff: time.Hour},
		{Kind: mailbox.JobQuotaNotice, Handle: p.Confirm.HandleQuotaNotice, Lease: lease, Batch: 100,
			Poll: 5 * time.Second, MaxBackoff: time.Hour},
		{Kind: mailbox.JobAutoForward, Handle: p.Confirm.HandleAutoForward, Lease: lease, Batch: 64,
			Poll: time.Second, MaxBackoff: 10 * time.Minute},
	}
	if p.Relay != nil {
		// Waiting on the network, not the CPU: many at once. The lease
		// outlasts the longest SMTP exchange the timeouts allow.
		ws = append(ws, &queue.Worker{Kind: mailbox.JobRelay, Handle: p.Relay.HandleRelay,
			Lease: max(lease, 3*p.Config.Federation.SMTPTimeout.Duration), Batch: 64, Concurrency: relayConcurrency,
			Poll: time.Second, MaxBackoff: 10 * time.Minute})
		ws = append(ws, &queue.Worker{Kind: mailbox.JobRelayWarning, Handle: p.Confirm.HandleRelayWarning,
			Lease: lease, Batch: 100, Poll: 5 * time.Second, MaxBackoff: time.Hour})
	}
	if p.Seal != nil && p.TSA != nil {
		// Without a seal the confirmations wait in the queue, to be issued
		// once the operator configures one: nothing asked for is dropped.
		// Signing is CPU-bound, storing waits for a commit: several jobs
		// per core, so that the cores sign while commits are synced and
		// the commits group.
		ws = append(ws, &queue.Worker{Kind: mailbox.JobEvidence, Handle: p.Confirm.HandleEvidence,
			Lease: lease, Batch: 64, Concurrency: 4 * runtime.GOMAXPROCS(0), Poll: time.Second,
			MaxBackoff: 10 * time.Minute})
		ws = append(ws, &queue.Worker{Kind: mailbox.JobRejection, Handle: p.Confirm.HandleRejection,
			Lease: lease, Batch: 64, Concurrency: runtime.GOMAXPROCS(0), Poll: time.Second, MaxBackoff: 10 * time.Minute})
	}
	return ws
}

func (p *Provider) worker(w *queue.Worker) *queue.Worker {
	w.Store, w.Clock, w.Log, w.Node = p.Store, p.Clock, p.Log, p.Node
	return w
}

func (p *Provider) singleton(s *queue.Singleton) *queue.Singleton {
	s.Store, s.Clock, s.Log, s.Node = p.Store, p.Clock, p.Log, p.Node
	return s
}

// background runs the scheduled work until ctx ends or stop is called; stop
// waits for it, and gives up the leases so that another node takes over at
// once.
func (p *Provider) background(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range p.scheduled() {
		wg.Go(func() { p.singleton(s).Run(ctx) })
	}
	for _, w := range p.workers() {
		wg.Go(func() { p.worker(w).Run(ctx) })
	}
	if p.Trust != nil {
		// Every node keeps its own copy of the list: each needs it to
		// accept and refuse peers.
		wg.Go(func() { p.Trust.Run(ctx, p.Config.Federation.TrustListRefresh.Duration) })
	}
	return func() { cancel(); wg.Wait() }
}

// RunQueues runs every due job of every kind on this node, until none is
// due, and returns how many ran. Serve's workers do this continually;
// tests call it after moving the clock.
func (p *Provider) RunQueues(ctx context.Context) (int, error) {
	total := 0
	for _, w := range p.workers() {
		w := p.worker(w)
		for {
			n, err := w.RunOnce(ctx)
			total += n
			if err != nil {
				return total, err
			}
			if n == 0 {
				break
			}
		}
	}
	return total, nil
}

// RunScheduled runs each scheduled task once, if this node holds (or takes)
// its lease, and reports which ran. Serve does this periodically; operators'
// tools and tests call it directly.
func (p *Provider) RunScheduled(ctx context.Context) ([]string, error) {
	var ran []string
	for _, s := range p.scheduled() {
		ok, err := p.singleton(s).RunOnce(ctx)
		if err != nil {
			return ran, fmt.Errorf("%s: %w", s.Name, err)
		}
		if ok {
			ran = append(ran, s.Name)
		}
	}
	return ran, nil
}
