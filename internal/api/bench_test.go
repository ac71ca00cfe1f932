package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
)

// BenchmarkAcceptAPI measures accepted letters per second through the HTTP API
// over TLS: 50 concurrent senders, each letter 5 KiB of text to one recipient
// with receipt confirmation, every accept durable (grouped commits) before its
// answer. Reproduce: go test -run '^$' -bench AcceptAPI -benchtime 15000x ./internal/api/
func BenchmarkAcceptAPI(b *testing.B) { benchAccept(b, pt.NewManual(b), 1) }

// BenchmarkAcceptAPIPostgres is the same on PostgreSQL (SIEGEL_TEST_POSTGRES),
// with one node and with two nodes of the provider over the one database,
// the senders spread over both.
func BenchmarkAcceptAPIPostgres(b *testing.B) {
	b.Run("nodes=1", func(b *testing.B) { benchAccept(b, pt.NewOn(b, pgtest.TestURL(b)), 1) })
	b.Run("nodes=2", func(b *testing.B) { benchAccept(b, pt.NewOn(b, pgtest.TestURL(b)), 2) })
}

func benchAccept(b *testing.B, e *pt.Env, nodes int) {
	const senders = 50
	var clients []*client.Client
	var rcpts []string
	pubs := []*client.Client{e.Public}
	for len(pubs) < nodes {
		pubs = append(pubs, e.AddNode())
	}
	for i := 0; i < senders; i++ {
		u := e.Open(pt.PersonApp("Sender", "Nummer"), true)
		clients = append(clients, pubs[i%nodes].With(u.High().Token))
		rcpts = append(rcpts, e.Open(pt.PersonApp("Empf", "Nummer"), false).Address)
	}
	text := strings.Repeat("Sehr geehrte Damen und Herren, dies ist ein Bescheid. ", 100)[:5<<10]
	// A provider runs on the real clock: time moves during the run, and with
	// it the time-ordered ids that keep the store's indexes appending.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-time.After(time.Millisecond):
				e.Clock.Advance(now.Sub(last))
				last = now
			}
		}
	}()
	var next atomic.Int64
	b.SetParallelism((senders + 1) / 2) // 2 cores × 25 = 50 goroutines
	b.ResetTimer()
	var ru0 unix.Rusage
	unix.Getrusage(0, &ru0)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)-1) % senders
		c, to := clients[i], rcpts[(i+1)%senders]
		for pb.Next() {
			if _, err := c.Send(b.Context(), &api.SendRequest{To: []string{to}, Subject: "Bescheid",
				Text: text, ReceiptConfirmation: true}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	el := time.Since(start)
	var ru unix.Rusage
	unix.Getrusage(0, &ru)
	b.ReportMetric(float64(b.N)/el.Seconds(), "letters/s")
	// This process's CPU: the server and its clients (PostgreSQL's is not in it).
	b.ReportMetric(float64(ru.Utime.Nano()+ru.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano())/float64(el.Nanoseconds())*100, "cpu%")
	b.ReportMetric(float64(ru.Stime.Nano()-ru0.Stime.Nano())/float64(el.Nanoseconds())*100, "sys%")
}

// BenchmarkPeerFsyncPerLetter is the peer the accept rate is compared with, on
// the same disk in the same run: appending 5 KiB to a file and fdatasyncing it,
// once per letter, the way a server without grouped commits makes each accept
// durable. Its rate is the ceiling of one fsync per letter.
func BenchmarkPeerFsyncPerLetter(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "peer"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 5<<10)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "letters/s")
}

// BenchmarkIssueConfirmations measures confirmations a node issues per
// second: letters with dispatch and receipt confirmation are accepted first
// (untimed), then the timer runs while the node drains the evidence queue,
// each job signing and time-stamping the evidence file and the S/MIME
// confirmation (four ECDSA P-256 signatures), rendering the PDF, and storing
// both with the job's completion. Reproduce:
// go test -run '^$' -bench IssueConfirmations -benchtime 2000x ./internal/api/
func BenchmarkIssueConfirmations(b *testing.B) {
	e := pt.NewManual(b)
	ctx := b.Context()
	c := e.Open(pt.PersonApp("Sender", "Nummer"), true).High()
	to := e.Open(pt.PersonApp("Empf", "Nummer"), false).Address
	for range b.N {
		if _, err := c.Send(ctx, &api.SendRequest{To: []string{to}, Subject: "Bescheid", Text: "Text",
			DispatchConfirmation: true, ReceiptConfirmation: true}); err != nil {
			b.Fatal(err)
		}
	}
	queued := func() int {
		var n int
		if err := e.P.Store.View(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.CountJobs(mailbox.JobEvidence)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return n
	}
	jobs := queued()
	b.ResetTimer()
	start := time.Now()
	for queued() > 0 {
		if _, err := e.P.RunQueues(ctx); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(jobs)/el.Seconds(), "confirmations/s")
}
