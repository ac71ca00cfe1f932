package relay_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// BenchmarkFederation measures letters carried end to end between two
// providers in one process on loopback: submitted at A through the API by
// 16 concurrent senders' requests, relayed to B (S/MIME to B, SMTP with
// mutual TLS), stored there, the receipt confirmation signed by B, handed
// back to A and filed with the letter; plus A's dispatch confirmation. The
// providers' queues run in the background, as siegel serve runs them
// (docs/performance.md).
func BenchmarkFederation(b *testing.B) {
	pf := pt.NewFederation(b, false, "a.siegel.test", "b.siegel.test")
	f := &fed{Federation: pf, a: pf.Providers[0], b: pf.Providers[1]}
	ctx := context.Background()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Last", true), true)
	erika := f.b.Open(pt.PersonApp("Erika", "Last"), true)
	cityC := city.High()
	text := strings.Repeat("Sehr geehrte Frau Last, dies ist ein Bescheid. ", 110)[:5<<10]
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for range next {
				if _, err := cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid",
					Text: text, DispatchConfirmation: true, ReceiptConfirmation: true}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	accepted := time.Since(start)
	// Done when the chain is empty, read in its order: A's handovers, B's
	// receipts, B's handovers back (each queues the next before it ends),
	// and A's dispatch confirmations.
	for _, q := range []struct {
		e    *pt.Env
		kind string
	}{{f.a, mailbox.JobRelay}, {f.b, mailbox.JobEvidence}, {f.b, mailbox.JobRelay}, {f.a, mailbox.JobEvidence}} {
		for {
			var n int
			if err := q.e.P.Store.View(ctx, func(tx store.Tx) (err error) { n, err = tx.CountJobs(q.kind); return err }); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	total := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/total.Seconds(), "letters/s")
}
