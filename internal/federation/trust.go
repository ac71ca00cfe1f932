package federation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/durable"
	"github.com/siegel-mail/siegel/internal/pki"
)

// MaxTrustList bounds a fetched list: a few thousand providers.
const MaxTrustList = 16 << 20

// TrustStore holds the last good trust list of one provider node.
type TrustStore struct {
	URL  string            // where the authority publishes the list
	Root *x509.Certificate // the authority root pinned at siegel init
	// Path keeps the last good list (DER) across restarts.
	Path   string
	Client *http.Client // its TLS trusts the authority's server
	Clock  clock.Clock
	Log    *slog.Logger

	mu  sync.RWMutex
	cur *pki.TrustList
}

// Current returns the last good list (nil before any) and whether it is
// within its validity now.
func (s *TrustStore) Current() (*pki.TrustList, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cur == nil {
		return nil, false
	}
	now := s.Clock.Now()
	return s.cur, !now.Before(s.cur.Issued) && !now.After(s.cur.NextUpdate)
}

// Load reads the last good list from Path, if there is one. A list whose
// validity has ended is kept (it is the best the node has until a fetch
// succeeds), with a warning; one that does not verify is an error.
func (s *TrustStore) Load() error {
	der, err := os.ReadFile(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("trust list: %w", err)
	}
	l, err := pki.ParseTrustList(der, s.Root, s.Clock.Now())
	var ve *pki.ValidityError
	if errors.As(err, &ve) {
		s.Log.Warn("the stored trust list is out of date; using it until a fresh one is fetched",
			"sequence", ve.List.Sequence, "next_update", ve.List.NextUpdate, "err", err)
		l, err = ve.List, nil
	}
	if err != nil {
		return fmt.Errorf("trust list %s: %w", s.Path, err)
	}
	s.mu.Lock()
	s.cur = l
	s.mu.Unlock()
	return nil
}

// Refresh fetches the list and, if it verifies now and is not older than
// the current one, makes it current and stores it. On any failure the
// current list stays, and the error says why.
func (s *TrustStore) Refresh(ctx context.Context) error {
	der, err := s.fetch(ctx)
	if err != nil {
		return fmt.Errorf("trust list: fetch %s: %w", s.URL, err)
	}
	l, err := pki.ParseTrustList(der, s.Root, s.Clock.Now())
	if err != nil {
		return fmt.Errorf("trust list from %s: %w", s.URL, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && l.Sequence < s.cur.Sequence {
		// An older list, replayed or from a stale mirror, would bring
		// back providers revoked since.
		return fmt.Errorf("trust list from %s: no. %d is older than no. %d, which this node has", s.URL, l.Sequence, s.cur.Sequence)
	}
	if err := durable.ReplaceFile(s.Path, der, 0o644); err != nil {
		return fmt.Errorf("trust list: store: %w", err)
	}
	if s.cur == nil || l.Sequence != s.cur.Sequence {
		s.Log.Info("trust list updated", "sequence", l.Sequence, "providers", len(l.Providers), "next_update", l.NextUpdate)
	}
	s.cur = l
	return nil
}

func (s *TrustStore) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxTrustList+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxTrustList {
		return nil, fmt.Errorf("larger than %d bytes", MaxTrustList)
	}
	return b, nil
}

// Run refreshes the list every interval until ctx ends, logging failures;
// after a failure it tries again sooner, a tenth of the interval later.
func (s *TrustStore) Run(ctx context.Context, every time.Duration) {
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err := s.Refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			l, fresh := s.Current()
			s.Log.Warn("trust list refresh failed; keeping the last good list", "err", err,
				"have", l != nil, "fresh", fresh)
			wait = max(every/10, time.Second)
			continue
		}
		wait = every
	}
}

// Accredited returns nil when domain is an accredited provider with an SMTP
// endpoint on the current list, and otherwise says why it is not one.
func (s *TrustStore) Accredited(domain string) error {
	l, _ := s.Current()
	if l == nil {
		return errors.New("federation: no trust list yet")
	}
	p, ok := l.Lookup(domain)
	switch {
	case !ok:
		return fmt.Errorf("%s is not on trust list no. %d", domain, l.Sequence)
	case p.SMTP == "":
		return fmt.Errorf("%s has no SMTP endpoint on trust list no. %d", domain, l.Sequence)
	}
	return nil
}
