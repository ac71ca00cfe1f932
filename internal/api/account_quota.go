package api

import (
	"context"
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
)

// getQuota answers with what the session's mailbox holds against its
// quota.
func (s *Server) getQuota(w http.ResponseWriter, r *http.Request) {
	q, err := s.Mail.Quota(r.Context(), principal(r).Account.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, quotaOut(q))
}

func quotaOut(q account.Quota) *MailboxQuota {
	return &MailboxQuota{UsedBytes: q.Used, QuotaBytes: q.Limit, PercentUsed: q.Percent(), Warning: q.Low(), Full: q.Full()}
}

// withQuota fills in a's mailbox usage; one read, which scans nothing.
func (s *Server) withQuota(ctx context.Context, a *Account) error {
	q, err := s.Mail.Quota(ctx, a.ID)
	if err != nil {
		return err
	}
	a.Mailbox = quotaOut(q)
	return nil
}
