package pki

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/cms"
)

// trustListVersion is the schema version of the JSON content. Version 2
// added the providers' endpoints and the revocations; a relying party reads
// only the version it was written for, so that no member it does not know
// can change what a list means to it.
const trustListVersion = 2

// Bounds of a trust list's lifetime (next_update − issued). The list is how
// a provider is removed, and relying parties check at least daily (TR
// BInfra-IO §2), so a day is the default; a month is the most, or removing a
// provider would mean little.
const (
	DefaultTrustListValidity = 24 * time.Hour
	MinTrustListValidity     = time.Hour
	MaxTrustListValidity     = 31 * 24 * time.Hour
)

// Errors of a trust list that verified but is used at the wrong time; a
// *ValidityError wraps one of them.
var (
	ErrExpired     = errors.New("expired")
	ErrNotYetValid = errors.New("not yet valid")
)

// TrustList is a verified trust list: the authority's signed statement of
// which providers are accredited (TR BInfra-IO §7).
type TrustList struct {
	Issuer     string // the authority's name
	Sequence   uint64 // increases with every list the authority signs
	Issued     time.Time
	NextUpdate time.Time
	Providers  []Provider // sorted by domain
	// Revoked is every revocation the authority ever recorded, sorted by
	// time: certificates of providers that lost their accreditation or got
	// new certificates. It stays on every later list, so that a verifier
	// can tell whether a seal was revoked before or after it signed.
	Revoked []Revocation
	Signer  *x509.Certificate // the trust-list signer's certificate
	index   map[string]*Provider
	seals   map[string]*Provider   // by the seal's CertSHA256
	revoked map[string]*Revocation // by the seal's CertSHA256
}

// Provider is one accredited provider as the trust list names it.
type Provider struct {
	Domain string
	Name   string
	// SMTP is host:port of the provider's inbound federation listener, SMTP
	// with implicit TLS and mutual authentication, by convention on port
	// FederationPort (TR BInfra-IO §2, Table 1). The TR finds it with an SRV
	// record (TR BInfra-IO §5); the signed list carries it instead, so that
	// no DNS answer can send a provider's mail elsewhere. Empty, like API,
	// until the authority records the endpoints (Accredit).
	SMTP string
	// API is the https URL of the provider's API (canonical, see
	// CheckAPIEndpoint).
	API  string
	Seal *x509.Certificate // signs the provider's evidence and confirmations
	TLS  *x509.Certificate // authenticates it in federation (mutual TLS)
}

// Revocation is the record of a provider's certificates leaving the trust
// list. The hashes identify the certificates without carrying them: the
// verifier holds the seal certificate already, in the evidence it checks.
type Revocation struct {
	Domain     string    `json:"domain"`
	SealSHA256 string    `json:"seal_cert_sha256"` // CertSHA256 of the seal certificate
	TLSSHA256  string    `json:"tls_cert_sha256"`  // CertSHA256 of the TLS certificate
	RevokedAt  time.Time `json:"revoked_at"`       // UTC, whole seconds
	Reason     string    `json:"reason"`           // ReasonReplaced, or the authority's words
}

// ReasonReplaced is the reason recorded for certificates that new ones for
// the same domain replaced (Issue again, or Accredit with new certificates).
const ReasonReplaced = "replaced"

// maxReason bounds a revocation's reason: a sentence, not a file.
const maxReason = 200

// CertSHA256 is the lower-case hex SHA-256 of a certificate's DER, as the
// trust list's revocations name certificates.
func CertSHA256(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return hex.EncodeToString(h[:])
}

// SealStatus says what the list knows of a seal certificate: listed, when it
// is the seal of a provider on the list; revokedAt and reason, when the list
// records it as revoked (revokedAt is zero otherwise). A seal that is neither
// is unknown to this list: it may come from another authority, or from a
// list older than the revocations this authority kept. Evidence signed and
// time-stamped before revokedAt keeps its validity (SPEC "Dispatch options
// and confirmations"; DMG §20 (4)); what came after does not.
func (l *TrustList) SealStatus(cert *x509.Certificate) (listed bool, revokedAt time.Time, reason string) {
	if cert == nil {
		return false, time.Time{}, ""
	}
	h := CertSHA256(cert)
	if r, ok := l.revoked[h]; ok {
		return false, r.RevokedAt, r.Reason
	}
	p, ok := l.seals[h]
	return ok && p.Seal.Equal(cert), time.Time{}, ""
}

// Lookup returns the provider of a domain (any case), and whether the list
// names it.
func (l *TrustList) Lookup(domain string) (Provider, bool) {
	d, err := address.ParseDomain(domain)
	if err != nil {
		return Provider{}, false
	}
	p, ok := l.index[d]
	if !ok {
		return Provider{}, false
	}
	return *p, true
}

// Domains lists the accredited domains in order.
func (l *TrustList) Domains() []string {
	ds := make([]string, len(l.Providers))
	for i, p := range l.Providers {
		ds[i] = p.Domain
	}
	return ds
}

// ValidityError is a trust list whose signature, chain and content are good
// but which is used outside [Issued, NextUpdate]. List is the verified list:
// a relying party that cannot fetch a fresh one decides itself whether to keep
// working with the last good list for a while (and should say so loudly);
// ParseTrustList never decides that for it.
type ValidityError struct {
	List *TrustList
	Now  time.Time
	Err  error // ErrExpired or ErrNotYetValid
}

func (e *ValidityError) Error() string {
	if errors.Is(e.Err, ErrExpired) {
		return fmt.Sprintf("trust list: %v: no. %d was valid until %s, it is now %s", e.Err, e.List.Sequence,
			e.List.NextUpdate.Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("trust list: %v: no. %d is valid from %s, it is now %s", e.Err, e.List.Sequence,
		e.List.Issued.Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
}

// Unwrap gives ErrExpired or ErrNotYetValid to errors.Is.
func (e *ValidityError) Unwrap() error { return e.Err }

// trustListJSON is the signed content; see the package comment for the schema.
type trustListJSON struct {
	Version    int            `json:"version"`
	Issuer     string         `json:"issuer"`
	Sequence   uint64         `json:"sequence"`
	Issued     time.Time      `json:"issued"`
	NextUpdate time.Time      `json:"next_update"`
	Providers  []providerJSON `json:"providers"`
	Revoked    []Revocation   `json:"revoked"`
}

type providerJSON struct {
	Domain   string `json:"domain"`
	Name     string `json:"name"`
	SMTP     string `json:"smtp"` // "" with api until the endpoints are recorded
	API      string `json:"api"`
	SealCert []byte `json:"seal_cert"` // DER, base64 in JSON
	TLSCert  []byte `json:"tls_cert"`
}

// ParseTrustList verifies a DER trust list against the authority's root
// certificate at time now and returns it. The checks, in order, each named in
// the error it returns (test with errors.Is):
//
//  1. ErrFormat: DER CMS SignedData, one signer, content type OIDTrustList;
//  2. ErrSignature: the content digest and the signature verify;
//  3. ErrChain: the signer's certificate was issued by root directly and is
//     valid at now;
//  4. ErrSignerRole: it is the trust-list signer (extended key usage
//     OIDTrustListSigning, critical; digitalSignature; not a CA);
//  5. ErrContent: the JSON keeps the schema, names root's authority as issuer,
//     and every certificate in it was issued by root for its domain;
//  6. ErrExpired, ErrNotYetValid: now lies in [issued, next_update]; this one
//     comes as a *ValidityError that carries the verified list.
func ParseTrustList(der []byte, root *x509.Certificate, now time.Time) (*TrustList, error) {
	if root == nil {
		return nil, errors.New("trust list: no root certificate to check it against")
	}
	sd, signer, err := verifyTrustListCMS(der)
	if err != nil {
		return nil, fmt.Errorf("trust list: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	// No intermediates: the root issues the signer directly (path length 0).
	if _, err := signer.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("trust list: %w: signer %q: %v", ErrChain, signer.Subject.CommonName, err)
	}
	if err := checkSignerRole(signer); err != nil {
		return nil, fmt.Errorf("trust list: %w: signer %q: %v", ErrSignerRole, signer.Subject.CommonName, err)
	}
	l, err := decodeTrustList(sd.Content, root)
	if err != nil {
		return nil, fmt.Errorf("trust list: %w: %v", ErrContent, err)
	}
	l.Signer = signer
	switch {
	case now.Before(l.Issued):
		return nil, &ValidityError{List: l, Now: now, Err: ErrNotYetValid}
	case now.After(l.NextUpdate):
		return nil, &ValidityError{List: l, Now: now, Err: ErrExpired}
	}
	return l, nil
}

// signTrustList wraps a list's JSON in DER CMS SignedData (RFC 5652 §5):
// eContentType OIDTrustList, signed at now by the trust-list signer, whose
// certificate is included.
func signTrustList(content []byte, cert *x509.Certificate, key crypto.Signer, now time.Time, rnd io.Reader) ([]byte, error) {
	s, err := cms.NewSigner(key, cert, []*x509.Certificate{cert})
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(rnd, OIDTrustList(), content, now)
	if err != nil {
		return nil, err
	}
	return sig.Marshal()
}

// verifyTrustListCMS reads the SignedData of a trust list, which carries its
// content, and verifies its signature (cms.SignedData.Verify); then the
// content type, no unsigned
// attributes (nothing would protect them), and the signing time within the
// signer certificate's validity. Whose certificate it is, is the caller's
// to check.
func verifyTrustListCMS(der []byte) (*cms.SignedData, *x509.Certificate, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, nil, err
	}
	if sd.Detached { // the list is the content: without it there is nothing to trust
		return nil, nil, fmt.Errorf("%w: the content is detached; a trust list carries its JSON", ErrFormat)
	}
	signer, _, err := sd.Verify()
	if err != nil {
		return nil, nil, err
	}
	if !sd.ContentType.Equal(OIDTrustList()) {
		return nil, nil, fmt.Errorf("%w: content type %v is not a trust list (%v)", ErrFormat, sd.ContentType, OIDTrustList())
	}
	if sd.UnsignedAttrs.Len() > 0 {
		return nil, nil, fmt.Errorf("%w: unsigned attributes, which a trust list does not have", ErrFormat)
	}
	if st := sd.SigningTime; !st.IsZero() && (st.Before(signer.NotBefore) || st.After(signer.NotAfter)) {
		return nil, nil, fmt.Errorf("%w: signed at %s, outside the signer certificate's validity %s to %s", ErrChain,
			st.UTC().Format(time.RFC3339), signer.NotBefore.UTC().Format(time.RFC3339), signer.NotAfter.UTC().Format(time.RFC3339))
	}
	return sd, signer, nil
}

// checkSignerRole checks that c is a trust-list signer, not some other
// certificate of the same authority (the TSA's, a provider's).
func checkSignerRole(c *x509.Certificate) error {
	if !cms.ExclusiveEKU(c, OIDTrustListSigning()) {
		return errors.New("extended key usage is not the trust-list signer's")
	}
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errors.New("key usage lacks digitalSignature")
	}
	if c.IsCA {
		return errors.New("is a CA certificate")
	}
	return nil
}

// authorityName is the authority's name: the one organisation of its root.
func authorityName(root *x509.Certificate) (string, error) {
	if len(root.Subject.Organization) != 1 {
		return "", errors.New("the root certificate does not name one organisation")
	}
	return root.Subject.Organization[0], nil
}

// decodeTrustList reads the JSON content strictly: unknown members, trailing
// data, a duplicate domain, a certificate from another CA, or a listed
// certificate that the list itself revokes are errors.
func decodeTrustList(content []byte, root *x509.Certificate) (*TrustList, error) {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.DisallowUnknownFields()
	var j trustListJSON
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON: data after the document")
	}
	if err := checkListHeader(&j, root); err != nil {
		return nil, err
	}
	rs, err := checkRevocations(j.Revoked)
	if err != nil {
		return nil, err
	}
	l := &TrustList{Issuer: j.Issuer, Sequence: j.Sequence, Issued: j.Issued.UTC(), NextUpdate: j.NextUpdate.UTC(), Revoked: rs,
		index: make(map[string]*Provider, len(j.Providers)), seals: make(map[string]*Provider, len(j.Providers)),
		revoked: make(map[string]*Revocation, len(rs))}
	gone := make(map[string]bool, 2*len(rs)) // every revoked certificate, seal or TLS
	for i := range l.Revoked {
		l.revoked[l.Revoked[i].SealSHA256] = &l.Revoked[i]
		gone[l.Revoked[i].SealSHA256], gone[l.Revoked[i].TLSSHA256] = true, true
	}
	for i, pj := range j.Providers {
		p, err := decodeProvider(pj, root)
		if err != nil {
			return nil, fmt.Errorf("providers[%d]: %v", i, err)
		}
		if slices.ContainsFunc(l.Providers, func(q Provider) bool { return q.Domain == p.Domain }) {
			return nil, fmt.Errorf("providers[%d]: domain %s listed twice", i, p.Domain)
		}
		if gone[CertSHA256(p.Seal)] || gone[CertSHA256(p.TLS)] {
			return nil, fmt.Errorf("providers[%d]: %s is listed with a certificate the list revokes", i, p.Domain)
		}
		l.Providers = append(l.Providers, p)
	}
	slices.SortFunc(l.Providers, func(a, b Provider) int { return strings.Compare(a.Domain, b.Domain) })
	for i := range l.Providers {
		l.index[l.Providers[i].Domain] = &l.Providers[i]
		l.seals[CertSHA256(l.Providers[i].Seal)] = &l.Providers[i]
	}
	return l, nil
}

// checkListHeader checks the members around the providers: version, issuer,
// sequence, the validity period, and that both arrays are there, as the
// authority always writes them.
func checkListHeader(j *trustListJSON, root *x509.Certificate) error {
	if j.Version != trustListVersion {
		return fmt.Errorf("version %d, this siegel reads version %d", j.Version, trustListVersion)
	}
	name, err := authorityName(root)
	if err != nil {
		return err
	}
	switch {
	case j.Issuer != name:
		return fmt.Errorf("issuer %q is not the root's authority %q", j.Issuer, name)
	case j.Sequence == 0:
		return errors.New("sequence: must be at least 1")
	case j.Issued.IsZero() || !j.NextUpdate.After(j.Issued):
		return errors.New("next_update: must be after issued")
	case j.Providers == nil:
		return errors.New("providers: missing")
	case j.Revoked == nil:
		return errors.New("revoked: missing")
	}
	return nil
}

// checkRevocations checks a list of revocations, from a trust list or the
// authority's revoked.json, and returns it sorted by time, then domain. Each
// certificate may be revoked once.
func checkRevocations(rs []Revocation) ([]Revocation, error) {
	out := make([]Revocation, 0, len(rs))
	seen := make(map[string]bool, 2*len(rs))
	for i, r := range rs {
		if err := checkRevocation(r); err != nil {
			return nil, fmt.Errorf("revoked[%d]: %v", i, err)
		}
		if seen[r.SealSHA256] || seen[r.TLSSHA256] {
			return nil, fmt.Errorf("revoked[%d]: a certificate of %s is revoked twice", i, r.Domain)
		}
		seen[r.SealSHA256], seen[r.TLSSHA256] = true, true
		r.RevokedAt = r.RevokedAt.UTC()
		out = append(out, r)
	}
	slices.SortStableFunc(out, compareRevocations)
	return out, nil
}

// compareRevocations orders revocations by time, then domain.
func compareRevocations(a, b Revocation) int {
	if c := a.RevokedAt.Compare(b.RevokedAt); c != 0 {
		return c
	}
	return strings.Compare(a.Domain, b.Domain)
}

// checkRevocation checks one revocation's members.
func checkRevocation(r Revocation) error {
	if d, err := address.ParseDomain(r.Domain); err != nil || d != r.Domain {
		return fmt.Errorf("domain %q: not a canonical provider domain", r.Domain)
	}
	for _, h := range []struct{ field, v string }{{"seal_cert_sha256", r.SealSHA256}, {"tls_cert_sha256", r.TLSSHA256}} {
		if len(h.v) != 2*sha256.Size || strings.Trim(h.v, "0123456789abcdef") != "" {
			return fmt.Errorf("%s: not a SHA-256 in lower-case hex", h.field)
		}
	}
	if r.SealSHA256 == r.TLSSHA256 {
		return errors.New("tls_cert_sha256: the same as seal_cert_sha256")
	}
	if r.RevokedAt.IsZero() || !r.RevokedAt.Equal(r.RevokedAt.Truncate(time.Second)) {
		return errors.New("revoked_at: must be a time in whole seconds")
	}
	if reason, err := checkName("reason", r.Reason, maxReason); err != nil {
		return err
	} else if reason != r.Reason {
		return errors.New("reason: white space around it")
	}
	return nil
}

// decodeProvider checks one entry: a canonical domain, a name, and two
// certificates that root issued for that domain in their roles. Their
// validity is not checked here: that is the business of whoever uses them,
// at the time they use them.
func decodeProvider(pj providerJSON, root *x509.Certificate) (Provider, error) {
	d, err := address.ParseDomain(pj.Domain)
	if err != nil || d != pj.Domain {
		return Provider{}, fmt.Errorf("domain %q: not a canonical provider domain", pj.Domain)
	}
	if _, err := checkName("name", pj.Name, maxProviderName); err != nil {
		return Provider{}, err
	}
	if err := checkEndpoints(pj.SMTP, pj.API); err != nil {
		return Provider{}, err
	}
	p := Provider{Domain: d, Name: pj.Name, SMTP: pj.SMTP, API: pj.API}
	for _, c := range []struct {
		field string
		der   []byte
		dst   **x509.Certificate
		usage []x509.ExtKeyUsage
	}{
		{"seal_cert", pj.SealCert, &p.Seal, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}},
		{"tls_cert", pj.TLSCert, &p.TLS, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	} {
		cert, err := x509.ParseCertificate(c.der)
		if err != nil {
			return Provider{}, fmt.Errorf("%s: %v", c.field, err)
		}
		if err := cert.CheckSignatureFrom(root); err != nil {
			return Provider{}, fmt.Errorf("%s: not issued by the root: %v", c.field, err)
		}
		if err := cert.VerifyHostname(d); err != nil {
			return Provider{}, fmt.Errorf("%s: %v", c.field, err)
		}
		for _, u := range c.usage {
			if !slices.Contains(cert.ExtKeyUsage, u) {
				return Provider{}, fmt.Errorf("%s: lacks an extended key usage of its role", c.field)
			}
		}
		*c.dst = cert
	}
	return p, nil
}

// encodeTrustList is the JSON content of a list.
func encodeTrustList(issuer string, seq uint64, issued, next time.Time, ps []Provider, rs []Revocation) ([]byte, error) {
	j := trustListJSON{Version: trustListVersion, Issuer: issuer, Sequence: seq, Issued: issued, NextUpdate: next,
		Providers: []providerJSON{}, Revoked: append([]Revocation{}, rs...)}
	for _, p := range ps {
		j.Providers = append(j.Providers, providerJSON{Domain: p.Domain, Name: p.Name, SMTP: p.SMTP, API: p.API,
			SealCert: p.Seal.Raw, TLSCert: p.TLS.Raw})
	}
	slices.SortFunc(j.Providers, func(a, b providerJSON) int { return strings.Compare(a.Domain, b.Domain) })
	slices.SortStableFunc(j.Revoked, compareRevocations)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a name like "Meier & Söhne" stays readable in openssl's output
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
