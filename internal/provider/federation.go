package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/relay"
)

// wireFederation builds the relay and the SMTP server between providers,
// when the provider follows a trust list (TR BInfra-IO §2–5). The TLS
// certificate of the listener is the one the authority issued and the
// trust list names: it authenticates the provider to its peers, and
// letters to it are encrypted to it.
func (p *Provider) wireFederation() error {
	if p.Trust == nil {
		return nil
	}
	c := p.Config
	pair, err := tls.LoadX509KeyPair(abs(p.Dir, c.TLS.CertFile), abs(p.Dir, c.TLS.KeyFile))
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return errors.New("tls.key_file: federation needs the ECDSA P-256 key the authority's certificate is for")
	}
	root := p.root
	timeout := c.Federation.SMTPTimeout.Duration
	// As many kept connections per peer as relay jobs run at once: a
	// steady stream of letters to one provider needs no new handshakes.
	client := &federation.Client{Domain: c.Domain, Cert: pair, Root: root, Trust: p.Trust, Clock: p.Clock,
		Log: p.Log, Timeout: timeout, MaxIdle: relayConcurrency}
	p.relayClient = client
	p.Relay = &relay.Service{Store: p.Store, Mail: p.Mail, Send: client.Send, Trust: p.Trust, Root: root,
		Clock: p.Clock, Domain: c.Domain, Cert: pair.Leaf, Key: key, Deadline: c.Federation.RelayDeadline.Duration,
		Log: p.Log}
	p.SMTP = &federation.Server{Domain: c.Domain, Cert: pair, Root: root, Trust: p.Trust, Clock: p.Clock,
		Log: p.Log, MaxMessageBytes: federation.DefaultMaxMessageBytes, Timeout: timeout, Deliver: p.Relay}
	p.Mail.Peers = p.Trust
	return nil
}

// ServeFederation answers other providers on ln until ctx ends.
func (p *Provider) ServeFederation(ctx context.Context, ln net.Listener) error {
	if p.SMTP == nil {
		ln.Close()
		return errors.New("federation: this provider follows no trust list (federation.trust_list_url)")
	}
	return p.SMTP.Serve(ctx, ln)
}
