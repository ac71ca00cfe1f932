// Package relay carries letters between accredited providers (TR BInfra-IO
// §2–5; DESIGN "Where a letter goes", steps 3 and 4).
//
// Outbound, a queue job per recipient copy at another provider hands the
// copy over: the letter, as that recipient sees it, encrypted to the
// receiving provider's certificate from the trust list (S/MIME, TR "domain
// encryption"), over SMTP with mutual TLS (package federation). The job
// records the outcome with its completion: the handover (RelayAcceptance
// evidence when the sender asked for a dispatch confirmation), the
// receiving provider's refusal (ContentConsignmentFailure evidence and its
// message to the sender), or, after the final deadline, RelayFailure. A
// temporary failure is retried with backoff, and the sender is warned once
// the 4-hour handover deadline has passed.
//
// Inbound, the Service is the federation server's Deliverer: it decrypts,
// checks the integrity value and the seal against the trust list, and
// stores letters in the recipients' mailboxes (package mailbox), or, for a
// confirmation another provider issued about a letter sent from here, files
// its evidence with the letter and the message in the sender's
// confirmations. Both are idempotent by X-de-mail-message-id: a peer that
// tries again after a lost reply is answered as the first time, and nothing
// is stored twice.
package relay

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"log/slog"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// DefaultDeadline is how long after dispatch a provider keeps trying to
// hand a letter over before it gives up with RelayFailure evidence.
const DefaultDeadline = 24 * time.Hour

// Service relays one provider's letters.
type Service struct {
	Store store.Store
	Mail  *mailbox.Service
	// Send hands a message to another provider (federation.Client.Send).
	Send  func(ctx context.Context, domain, from string, rcpts []string, msg []byte) error
	Trust federation.Trust
	Root  *x509.Certificate // the authority's root, for the seals on what arrives
	Clock clock.Clock
	// Domain is this provider's.
	Domain string
	// Cert and Key are the provider's TLS certificate and key, which the
	// trust list names: other providers encrypt to it.
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// Deadline is how long after dispatch a handover is tried.
	Deadline time.Duration
	Log      *slog.Logger
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}
