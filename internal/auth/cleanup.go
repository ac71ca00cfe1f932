package auth

import (
	"context"

	"github.com/siegel-mail/siegel/internal/store"
)

// cleanupBatch bounds each cleanup transaction, so that removing a day's
// sessions of a million users never holds the store for long.
const cleanupBatch = 1000

// CleanupSessions deletes the sessions that have ended (past their maximum
// age, or idle longer than IdleTimeout), batch by batch. An ended session is
// refused anyway (Authenticate, by the same two rules); this frees its row,
// so that the sessions table holds live sessions only. The provider runs it
// periodically on one node at a time.
func (s *Service) CleanupSessions(ctx context.Context) error {
	now := s.Clock.Now()
	total := 0
	for {
		var n int
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.DeleteExpiredSessions(now, now.Add(-s.IdleTimeout), cleanupBatch)
			return err
		})
		if err != nil {
			return err
		}
		total += n
		if n < cleanupBatch {
			break
		}
	}
	if total > 0 {
		s.Log.Info("ended sessions removed", "count", total)
	}
	return nil
}
