package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/durable"
	"github.com/siegel-mail/siegel/internal/problem"
)

// revokedVersion is the format version of RevokedFile.
const revokedVersion = 1

// revokedJSON is RevokedFile: every revocation the authority recorded. It
// only grows: the trust list carries all of it, so that a verifier years
// later can still date a revocation (SPEC: confirmations keep their validity
// when a provider later loses its accreditation).
type revokedJSON struct {
	Version int          `json:"version"`
	Revoked []Revocation `json:"revoked"`
}

// Accredited is what Accredit recorded.
type Accredited struct {
	Registration
	// Replaced is the registry entry whose certificates the given ones
	// replaced, now recorded as revoked (ReasonReplaced); nil when the
	// certificates stayed or the provider is new to the registry.
	Replaced *Registration
}

// Accredit records a provider's federation endpoints: smtp, host:port of its
// inbound SMTP listener (TR BInfra-IO §2), and api, the https URL of its API;
// both go into every later trust list (TR BInfra-IO §7). Without
// certificates (seal and tlsCert nil) the provider must be in the registry
// already, from Issue. With both, it registers certificates issued elsewhere
// by this authority's root: they must be valid at now, for domain, in the
// roles Issue gives them, and never revoked; certificates that replace
// registered ones revoke those (ReasonReplaced). Accrediting again updates
// the endpoints. Problems name the argument: domain, smtp, api, seal-cert,
// tls-cert.
func (a *Authority) Accredit(domain, smtp, api string, seal, tlsCert *x509.Certificate, now time.Time) (*Accredited, error) {
	d, err := address.ParseDomain(domain)
	if err != nil {
		return nil, problem.WithField(err, "domain")
	}
	if smtp, err = CheckSMTPEndpoint(smtp); err != nil {
		return nil, err
	}
	if api, err = CheckAPIEndpoint(api); err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	var given *Provider
	switch {
	case seal == nil && tlsCert != nil:
		return nil, problem.Field("seal-cert", "required", "required with a TLS certificate: a provider's certificates come as a pair")
	case seal != nil && tlsCert == nil:
		return nil, problem.Field("tls-cert", "required", "required with a seal certificate: a provider's certificates come as a pair")
	case seal != nil:
		if given, err = a.checkIssuedElsewhere(d, seal, tlsCert, now); err != nil {
			return nil, err
		}
	}
	unlock, err := lockDir(a.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := a.registration(d)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	revs, err := a.revocations()
	if err != nil {
		return nil, err
	}
	res, err := accreditation(d, old, given, revs, now)
	if err != nil {
		return nil, err
	}
	res.SMTP, res.API, res.Accredited = smtp, api, now
	if res.Replaced != nil {
		if _, err := a.recordRevocation(revocationOf(res.Replaced, now, ReasonReplaced)); err != nil {
			return nil, err
		}
	}
	if err := a.writeRegistration(&res.Registration); err != nil {
		return nil, err
	}
	return res, nil
}

// accreditation decides what Accredit writes for domain d, given its
// registry entry old (nil if none), the certificates issued elsewhere (nil to
// keep old's) and the revocations recorded so far.
func accreditation(d string, old *Registration, given *Provider, revs []Revocation, now time.Time) (*Accredited, error) {
	if given == nil {
		if old == nil {
			return nil, problem.New(problem.NotFound, "domain", "not_found",
				"%s is not in the registry: issue its certificates first, or give the seal and TLS certificates issued for it", d)
		}
		if r, ok := findRevocation(revs, old.Seal, old.TLS); ok {
			return nil, problem.New(problem.Conflict, "domain", "revoked", "the certificates of %s were revoked at %s (%s); issue new ones",
				d, r.RevokedAt.Format(time.RFC3339), r.Reason)
		}
		return &Accredited{Registration: *old}, nil
	}
	for _, c := range []struct {
		field string
		cert  *x509.Certificate
	}{{"seal-cert", given.Seal}, {"tls-cert", given.TLS}} {
		if r, ok := findRevocation(revs, c.cert); ok {
			return nil, problem.New(problem.Conflict, c.field, "revoked", "revoked at %s (%s); a revoked certificate is never accredited again",
				r.RevokedAt.Format(time.RFC3339), r.Reason)
		}
	}
	res := &Accredited{Registration: Registration{Provider: *given, Issued: now}}
	if old == nil {
		return res, nil
	}
	sameSeal, sameTLS := old.Seal.Equal(given.Seal), old.TLS.Equal(given.TLS)
	switch {
	case sameSeal && sameTLS:
		res.Issued = old.Issued
	case sameSeal, sameTLS:
		// A revocation names the pair; revoking the old pair would revoke
		// the certificate kept as well.
		field := map[bool]string{true: "tls-cert", false: "seal-cert"}[sameSeal]
		return nil, problem.Field(field, "pair", "new, while the other certificate is the registered one: a provider's certificates are replaced together")
	default:
		res.Replaced = old
	}
	return res, nil
}

// checkIssuedElsewhere checks certificates for domain d that Issue did not
// make here, and returns the provider they make, named by the seal's
// organisation. They must be what Issue makes: from the root, valid at now,
// for d, in their roles; a relying party checks the same (decodeProvider).
func (a *Authority) checkIssuedElsewhere(d string, seal, tlsCert *x509.Certificate, now time.Time) (*Provider, error) {
	for _, c := range []struct {
		field string
		cert  *x509.Certificate
		usage []x509.ExtKeyUsage
	}{
		{"seal-cert", seal, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}},
		{"tls-cert", tlsCert, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	} {
		if err := a.checkProviderCert(d, c.cert, c.usage, now); err != nil {
			return nil, problem.Field(c.field, "certificate", "%v", err)
		}
	}
	if seal.Equal(tlsCert) {
		return nil, problem.Field("tls-cert", "pair", "the same certificate as the seal; a provider has one of each")
	}
	if len(seal.Subject.Organization) != 1 {
		return nil, problem.Field("seal-cert", "name", "names no single organisation (O), which would be the provider's name")
	}
	name, err := checkName("seal-cert", seal.Subject.Organization[0], maxProviderName)
	if err != nil {
		return nil, err
	}
	p, err := decodeProvider(providerJSON{Domain: d, Name: name, SealCert: seal.Raw, TLSCert: tlsCert.Raw}, a.Root)
	if err != nil {
		return nil, problem.Field("seal-cert", "certificate", "%v", err)
	}
	return &p, nil
}

// checkProviderCert checks one certificate issued elsewhere, naming the first
// rule it breaks.
func (a *Authority) checkProviderCert(d string, c *x509.Certificate, usage []x509.ExtKeyUsage, now time.Time) error {
	if err := c.CheckSignatureFrom(a.Root); err != nil {
		return fmt.Errorf("not issued by the root of %q (%v)", a.Name, err)
	}
	switch {
	case now.Before(c.NotBefore):
		return fmt.Errorf("not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
	case now.After(c.NotAfter):
		return fmt.Errorf("expired at %s", c.NotAfter.UTC().Format(time.RFC3339))
	case c.IsCA:
		return errors.New("a CA certificate; a provider's is an end-entity certificate")
	}
	if err := c.VerifyHostname(d); err != nil {
		return fmt.Errorf("not issued for %s (DNS names %v)", d, c.DNSNames)
	}
	names := map[x509.ExtKeyUsage]string{x509.ExtKeyUsageEmailProtection: "emailProtection",
		x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth"}
	for _, u := range usage {
		if !slices.Contains(c.ExtKeyUsage, u) {
			return fmt.Errorf("lacks the extended key usage %s", names[u])
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(a.Root)
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, DNSName: d, KeyUsages: usage}); err != nil {
		return fmt.Errorf("does not verify: %v", err)
	}
	return nil
}

// Revoke takes a provider off the trust list: its registry entry goes, and
// the revocation of its certificates is recorded, at now and for reason, in
// every later list. Evidence the provider sealed before stays valid (DMG §20
// (4)); a verifier tells before from after by the list's revoked_at.
// Problems name the argument: domain, reason.
func (a *Authority) Revoke(domain, reason string, now time.Time) (*Revocation, error) {
	d, err := address.ParseDomain(domain)
	if err != nil {
		return nil, problem.WithField(err, "domain")
	}
	if reason, err = checkName("reason", reason, maxReason); err != nil {
		return nil, err
	}
	unlock, err := lockDir(a.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := a.registration(d)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, problem.New(problem.NotFound, "domain", "not_found", "%s is not in the registry (never accredited, or revoked already)", d)
	}
	if err != nil {
		return nil, err
	}
	// The record first: a crash before the removal leaves an entry that
	// current() skips and a second Revoke removes.
	r, err := a.recordRevocation(revocationOf(old, now, reason))
	if err != nil {
		return nil, err
	}
	if err := os.Remove(a.registryPath(d)); err != nil {
		return nil, err
	}
	if err := durable.SyncDir(filepath.Join(a.Dir, ProvidersDir)); err != nil {
		return nil, err
	}
	return &r, nil
}

// revocationOf is the revocation of a registration's certificates.
func revocationOf(r *Registration, now time.Time, reason string) Revocation {
	return Revocation{Domain: r.Domain, SealSHA256: CertSHA256(r.Seal), TLSSHA256: CertSHA256(r.TLS),
		RevokedAt: now.UTC().Truncate(time.Second), Reason: reason}
}

// findRevocation returns the revocation of any of certs.
func findRevocation(revs []Revocation, certs ...*x509.Certificate) (Revocation, bool) {
	for _, c := range certs {
		h := CertSHA256(c)
		for _, r := range revs {
			if r.SealSHA256 == h || r.TLSSHA256 == h {
				return r, true
			}
		}
	}
	return Revocation{}, false
}

// revocations reads RevokedFile; none yet is an empty list.
func (a *Authority) revocations() ([]Revocation, error) {
	b, err := os.ReadFile(filepath.Join(a.Dir, RevokedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j revokedJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%s: %w", RevokedFile, err)
	}
	if j.Version != revokedVersion {
		return nil, fmt.Errorf("%s: version %d, this siegel reads version %d", RevokedFile, j.Version, revokedVersion)
	}
	rs, err := checkRevocations(j.Revoked)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RevokedFile, err)
	}
	return rs, nil
}

// recordRevocation adds r to RevokedFile and returns what is recorded for
// its certificates: r, or the earlier record of the same seal, which stands
// (a repeated Revoke after a crash does not move the date). The caller holds
// the lock.
func (a *Authority) recordRevocation(r Revocation) (Revocation, error) {
	rs, err := a.revocations()
	if err != nil {
		return Revocation{}, err
	}
	for _, old := range rs {
		if old.SealSHA256 == r.SealSHA256 && old.TLSSHA256 == r.TLSSHA256 {
			return old, nil
		}
	}
	all, err := checkRevocations(append(rs, r))
	if err != nil {
		return Revocation{}, err
	}
	b, err := json.MarshalIndent(revokedJSON{Version: revokedVersion, Revoked: all}, "", "  ")
	if err != nil {
		return Revocation{}, err
	}
	if err := writeReplace(filepath.Join(a.Dir, RevokedFile), append(b, '\n'), certMode); err != nil {
		return Revocation{}, err
	}
	return r, nil
}

// current is what the next trust list states: the registry's providers whose
// certificates are not revoked, and every revocation. An entry with revoked
// certificates is left over from an interrupted Revoke or Issue; it is not
// listed, as a list may not name a certificate it revokes.
func (a *Authority) current() ([]Provider, []Revocation, error) {
	regs, err := a.Registrations()
	if err != nil {
		return nil, nil, err
	}
	revs, err := a.revocations()
	if err != nil {
		return nil, nil, err
	}
	ps := make([]Provider, 0, len(regs))
	for _, r := range regs {
		if _, gone := findRevocation(revs, r.Seal, r.TLS); !gone {
			ps = append(ps, r.Provider)
		}
	}
	return ps, revs, nil
}
