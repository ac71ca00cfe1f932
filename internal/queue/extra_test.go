package queue_test

import (
	"os"
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
)

// extraStores runs fn on PostgreSQL too when SIEGEL_TEST_POSTGRES names one:
// there the leases are taken with FOR UPDATE SKIP LOCKED by truly concurrent
// transactions.
func extraStores(t *testing.T, fn func(t *testing.T, s store.Store)) {
	if os.Getenv("SIEGEL_TEST_POSTGRES") == "" && os.Getenv("CI") == "" {
		return // pgtest would skip; the SQLite run above is the test here
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := postgres.Open(t.Context(), pgtest.TestURL(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}
