package federation

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
)

// Trust gives the trust list to check peers against: the last good list,
// and whether it is within its validity now. *TrustStore implements it.
type Trust interface {
	Current() (*pki.TrustList, bool)
}

var _ Trust = (*TrustStore)(nil)

// PeerOf tells which accredited provider is at the other end of a mutually
// authenticated TLS connection (TR BInfra-IO §2, Table 1; SPEC "Transport
// between providers"). The peer's leaf certificate must chain to root at
// now, carry both TLS roles, and be exactly the TLS certificate that list
// names for a provider. A revoked or replaced certificate is on no list
// after its revocation, so it fails the last test; the error then says when
// and why it was revoked, if the list records that.
func PeerOf(state tls.ConnectionState, root *x509.Certificate, list *pki.TrustList, now time.Time) (pki.Provider, error) {
	if root == nil || list == nil {
		return pki.Provider{}, errors.New("federation: no trust list to check the peer against")
	}
	if len(state.PeerCertificates) == 0 {
		return pki.Provider{}, errors.New("federation: the peer presented no certificate")
	}
	leaf := state.PeerCertificates[0]
	name := leaf.Subject.CommonName
	pool := x509.NewCertPool()
	pool.AddCert(root)
	// No intermediates: the root issues provider certificates directly
	// (path length 0), so whatever else the peer sent is ignored.
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return pki.Provider{}, fmt.Errorf("federation: the peer's certificate %q does not verify against the authority's root: %v", name, err)
	}
	// TR BInfra-IO §4, Table 2: federation certificates serve both ends.
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if !slices.Contains(leaf.ExtKeyUsage, u) {
			return pki.Provider{}, fmt.Errorf("federation: the peer's certificate %q is not a provider's TLS certificate (extended key usage)", name)
		}
	}
	for _, p := range list.Providers {
		if p.TLS.Equal(leaf) {
			return p, nil
		}
	}
	h := pki.CertSHA256(leaf)
	for _, r := range list.Revoked {
		if r.TLSSHA256 == h {
			return pki.Provider{}, fmt.Errorf("federation: the peer's certificate %q was revoked at %s (%s), trust list no. %d",
				name, r.RevokedAt.Format(time.RFC3339), r.Reason, list.Sequence)
		}
	}
	return pki.Provider{}, fmt.Errorf("federation: the peer's certificate %q is not the TLS certificate of any provider on trust list no. %d",
		name, list.Sequence)
}

// currentList is the list to check peers against now. A list past its
// next update is still used, as the TrustStore keeps it for: the node goes
// on with the last good list while the authority cannot be reached, and
// says so (TrustStore).
func currentList(t Trust, log *slog.Logger) (*pki.TrustList, error) {
	l, fresh := t.Current()
	if l == nil {
		return nil, errors.New("federation: no trust list yet; no peer can be checked")
	}
	if !fresh {
		log.Warn("federation: checking peers against a trust list outside its validity", "sequence", l.Sequence,
			"next_update", l.NextUpdate)
	}
	return l, nil
}
