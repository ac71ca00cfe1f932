package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
)

// authorityVersion is the format version of an authority's folder.
const authorityVersion = 1

// Authority is an accreditation authority loaded from its folder, with the
// keys it signs with. Its methods take the authority folder's lock while they
// write, so several commands may run against one folder.
type Authority struct {
	Dir    string
	Name   string
	Root   *x509.Certificate
	Signer *x509.Certificate // the trust-list signer
	TSA    *TSA              // runs on the wall clock; set TSA.Clock to change that
	// Rand is the source of serial numbers (crypto/rand by default).
	Rand io.Reader

	rootKey, signerKey *ecdsa.PrivateKey
}

// authorityJSON is authority.json.
type authorityJSON struct {
	Version int       `json:"version"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// registryJSON is one provider's registry entry, providers/DOMAIN.json.
// The endpoints and their time are absent until Accredit records them, as in
// the entries older versions wrote.
type registryJSON struct {
	Domain     string    `json:"domain"`
	Name       string    `json:"name"`
	Issued     time.Time `json:"issued"`
	SMTP       string    `json:"smtp,omitempty"`
	API        string    `json:"api,omitempty"`
	Accredited time.Time `json:"accredited,omitzero"`
	SealCert   []byte    `json:"seal_cert"` // DER, base64 in JSON
	TLSCert    []byte    `json:"tls_cert"`
}

// Registration is a provider in the authority's registry.
type Registration struct {
	Provider
	Issued     time.Time // when the certificates were issued or, if issued elsewhere, registered
	Accredited time.Time // when the endpoints were last recorded; zero before
}

// registryEntry is the JSON form of a registration.
func registryEntry(r *Registration) registryJSON {
	return registryJSON{Domain: r.Domain, Name: r.Name, Issued: r.Issued.UTC(), SMTP: r.SMTP, API: r.API,
		Accredited: r.Accredited.UTC(), SealCert: r.Seal.Raw, TLSCert: r.TLS.Raw}
}

// Init creates an accreditation authority in dir (created if needed): the
// root CA, the time-stamping authority and the trust-list signer, each with
// its own key, and an empty registry. It refuses a folder that already holds
// an authority, or any of its files, and overwrites nothing.
func Init(dir, name string, now time.Time) (*Authority, error) {
	if dir == "" {
		return nil, problem.Field("dir", "required", "required")
	}
	name, err := checkName("name", name, maxAuthorityName)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, AuthorityFile)); err == nil {
		return nil, exists("dir", "%s holds an accreditation authority (%s); not overwriting it", dir, AuthorityFile)
	}
	files := []string{RootKeyFile, RootCertFile, TSAKeyFile, TSACertFile, SignerKeyFile, SignerCertFile}
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return nil, exists("dir", "%s holds %s but no %s, left by an interrupted init; remove the folder and start again",
				dir, f, AuthorityFile)
		}
	}
	rootKey, err := newKey()
	if err != nil {
		return nil, err
	}
	root, err := issue(rand.Reader, rootTemplate(name), nil, &rootKey.PublicKey, rootKey, now, rootYears)
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	tsaKey, err := newKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := tsaTemplate(name)
	if err != nil {
		return nil, err
	}
	tsa, err := issue(rand.Reader, tmpl, root, &tsaKey.PublicKey, rootKey, now, tsaYears)
	if err != nil {
		return nil, fmt.Errorf("TSA certificate: %w", err)
	}
	signerKey, err := newKey()
	if err != nil {
		return nil, err
	}
	if tmpl, err = signerTemplate(name); err != nil {
		return nil, err
	}
	signer, err := issue(rand.Reader, tmpl, root, &signerKey.PublicKey, rootKey, now, signerYears)
	if err != nil {
		return nil, fmt.Errorf("trust-list signer certificate: %w", err)
	}
	keys := map[string]*ecdsa.PrivateKey{RootKeyFile: rootKey, TSAKeyFile: tsaKey, SignerKeyFile: signerKey}
	certs := map[string]*x509.Certificate{RootCertFile: root, TSACertFile: tsa, SignerCertFile: signer}
	for _, f := range files {
		var data []byte
		mode := certMode
		if k, ok := keys[f]; ok {
			if data, err = encodeKeyPEM(k); err != nil {
				return nil, err
			}
			mode = keyMode
		} else {
			data = encodeCertPEM(certs[f].Raw)
		}
		if err := writeNew(filepath.Join(dir, f), data, mode); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, ProvidersDir), dirMode); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(authorityJSON{Version: authorityVersion, Name: name, Created: now.UTC().Truncate(time.Second)}, "", "  ")
	if err != nil {
		return nil, err
	}
	// Last: its presence says the folder is complete.
	if err := writeNew(filepath.Join(dir, AuthorityFile), append(b, '\n'), certMode); err != nil {
		return nil, err
	}
	return LoadAuthority(dir)
}

// LoadAuthority opens the authority in dir. It checks that every key belongs
// to its certificate and that the TSA's and the signer's certificates come
// from the root in their roles, so that a folder with mixed-up files fails
// here and not in a relying party's hands.
func LoadAuthority(dir string) (*Authority, error) {
	b, err := os.ReadFile(filepath.Join(dir, AuthorityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not an accreditation authority's folder (no %s; create one with siegel authority init)", dir, AuthorityFile)
	}
	if err != nil {
		return nil, err
	}
	var j authorityJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%s: %w", AuthorityFile, err)
	}
	if j.Version != authorityVersion {
		return nil, fmt.Errorf("%s: version %d, this siegel reads version %d", AuthorityFile, j.Version, authorityVersion)
	}
	a := &Authority{Dir: dir, Name: j.Name, Rand: rand.Reader}
	pair := func(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
		c, err := ReadCertPEM(filepath.Join(dir, certFile))
		if err != nil {
			return nil, nil, err
		}
		k, err := ReadKeyPEM(filepath.Join(dir, keyFile))
		if err != nil {
			return nil, nil, err
		}
		if err := matchKey(c, k); err != nil {
			return nil, nil, fmt.Errorf("%s and %s: %w", keyFile, certFile, err)
		}
		return c, k, nil
	}
	if a.Root, a.rootKey, err = pair(RootCertFile, RootKeyFile); err != nil {
		return nil, err
	}
	if err := a.Root.CheckSignatureFrom(a.Root); err != nil || !a.Root.IsCA {
		return nil, fmt.Errorf("%s: not a self-signed CA certificate", RootCertFile)
	}
	if n, err := authorityName(a.Root); err != nil || n != a.Name {
		return nil, fmt.Errorf("%s: does not belong to the authority %q of %s", RootCertFile, a.Name, AuthorityFile)
	}
	tsaCert, tsaKey, err := pair(TSACertFile, TSAKeyFile)
	if err != nil {
		return nil, err
	}
	if err := tsaCert.CheckSignatureFrom(a.Root); err != nil {
		return nil, fmt.Errorf("%s: not issued by %s: %w", TSACertFile, RootCertFile, err)
	}
	if a.TSA, err = NewTSA(tsaCert, tsaKey, clock.Real{}); err != nil {
		return nil, fmt.Errorf("%s: %w", TSACertFile, err)
	}
	if a.Signer, a.signerKey, err = pair(SignerCertFile, SignerKeyFile); err != nil {
		return nil, err
	}
	if err := a.Signer.CheckSignatureFrom(a.Root); err != nil {
		return nil, fmt.Errorf("%s: not issued by %s: %w", SignerCertFile, RootCertFile, err)
	}
	if err := checkSignerRole(a.Signer); err != nil {
		return nil, fmt.Errorf("%s: %w", SignerCertFile, err)
	}
	return a, nil
}

// Issued is what Issue made and wrote.
type Issued struct {
	Provider
	SealKey, TLSKey *ecdsa.PrivateKey
	Files           []string      // the files written, in the provider's folder
	Replaced        *Registration // the registry entry this issue replaced; nil for a new provider
}

// Issue accredits a provider: a seal certificate and a TLS certificate for
// domain, each with a new key, written with a copy of the root certificate
// into outDir (created if needed; none of the files may exist there yet), and
// the provider recorded in the registry for the next trust list. Issuing for a
// domain again replaces its registry entry, so the earlier certificates leave
// the trust list with the next list; Issued.Replaced says so, the earlier
// certificates are recorded as revoked (ReasonReplaced), and the recorded
// endpoints carry over: the provider's listeners did not move.
func (a *Authority) Issue(domain, name, outDir string, now time.Time) (*Issued, error) {
	d, err := address.ParseDomain(domain)
	if err != nil {
		return nil, problem.WithField(err, "domain")
	}
	if name, err = checkName("name", name, maxProviderName); err != nil {
		return nil, err
	}
	if outDir == "" {
		return nil, problem.Field("out", "required", "required")
	}
	unlock, err := lockDir(a.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	names := []string{SealKeyFile, SealCertFile, TLSKeyFile, TLSCertFile, RootCertFile}
	// Check every name first: a half-written set is worse than none.
	for _, f := range names {
		if _, err := os.Lstat(filepath.Join(outDir, f)); err == nil {
			return nil, exists("out", "not overwriting %s; choose an empty folder", filepath.Join(outDir, f))
		}
	}
	is := &Issued{Provider: Provider{Domain: d, Name: name}}
	if is.SealKey, err = newKey(); err != nil {
		return nil, err
	}
	if is.Seal, err = issue(a.Rand, sealTemplate(d, name), a.Root, &is.SealKey.PublicKey, a.rootKey, now, providerYears); err != nil {
		return nil, fmt.Errorf("seal certificate: %w", err)
	}
	if is.TLSKey, err = newKey(); err != nil {
		return nil, err
	}
	if is.TLS, err = issue(a.Rand, tlsTemplate(d, name), a.Root, &is.TLSKey.PublicKey, a.rootKey, now, providerYears); err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	sealPEM, err := encodeKeyPEM(is.SealKey)
	if err != nil {
		return nil, err
	}
	tlsPEM, err := encodeKeyPEM(is.TLSKey)
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{SealKeyFile: sealPEM, SealCertFile: encodeCertPEM(is.Seal.Raw),
		TLSKeyFile: tlsPEM, TLSCertFile: encodeCertPEM(is.TLS.Raw), RootCertFile: encodeCertPEM(a.Root.Raw)}
	if err := os.MkdirAll(outDir, dirMode); err != nil {
		return nil, fmt.Errorf("out: %w", err)
	}
	// The provider's files first, the registry after: a registry entry whose
	// keys were never written would push the provider's working certificates
	// off the next trust list.
	for _, f := range names {
		mode := certMode
		if strings.HasSuffix(f, ".key") {
			mode = keyMode
		}
		p := filepath.Join(outDir, f)
		if err := writeNew(p, data[f], mode); err != nil {
			return nil, fmt.Errorf("out: %w", err)
		}
		is.Files = append(is.Files, p)
	}
	reg := &Registration{Provider: is.Provider, Issued: now.UTC().Truncate(time.Second)}
	if old, err := a.registration(d); err == nil {
		is.Replaced = old
		reg.SMTP, reg.API, reg.Accredited = old.SMTP, old.API, old.Accredited
		// The revocation first: should the registry write fail, the old
		// entry stays but leaves the list as revoked, and no certificate
		// ever leaves it unrecorded.
		if _, err := a.recordRevocation(revocationOf(old, now, ReasonReplaced)); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	is.Provider = reg.Provider
	if err := a.writeRegistration(reg); err != nil {
		return nil, err
	}
	return is, nil
}

// writeRegistration replaces (or creates) a provider's registry entry. The
// caller holds the lock.
func (a *Authority) writeRegistration(r *Registration) error {
	b, err := json.MarshalIndent(registryEntry(r), "", "  ")
	if err != nil {
		return err
	}
	return writeReplace(a.registryPath(r.Domain), append(b, '\n'), certMode)
}

// registryPath is a provider's registry file. The domain passed
// address.ParseDomain, so it holds only a-z, 0-9, '-' and single dots and
// cannot leave the folder.
func (a *Authority) registryPath(domain string) string {
	return filepath.Join(a.Dir, ProvidersDir, domain+".json")
}

// registration reads one registry entry, checking its certificates.
func (a *Authority) registration(domain string) (*Registration, error) {
	b, err := os.ReadFile(a.registryPath(domain))
	if err != nil {
		return nil, err
	}
	var j registryJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("registry %s: %w", domain, err)
	}
	if j.Domain != domain {
		return nil, fmt.Errorf("registry %s: the file names domain %q", domain, j.Domain)
	}
	p, err := decodeProvider(providerJSON{Domain: j.Domain, Name: j.Name, SMTP: j.SMTP, API: j.API, SealCert: j.SealCert, TLSCert: j.TLSCert}, a.Root)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", domain, err)
	}
	return &Registration{Provider: p, Issued: j.Issued, Accredited: j.Accredited}, nil
}

// Registrations lists the registry, sorted by domain.
func (a *Authority) Registrations() ([]Registration, error) {
	ents, err := os.ReadDir(filepath.Join(a.Dir, ProvidersDir))
	if err != nil {
		return nil, err
	}
	var rs []Registration
	for _, e := range ents {
		d, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || strings.HasPrefix(d, ".") {
			continue // temporary files of an interrupted write, and anything else
		}
		r, err := a.registration(d)
		if err != nil {
			return nil, err
		}
		rs = append(rs, *r)
	}
	slices.SortFunc(rs, func(x, y Registration) int { return strings.Compare(x.Domain, y.Domain) })
	return rs, nil
}

// SignTrustList makes the next trust list: every provider in the registry
// whose certificates are not revoked, every revocation recorded, the next
// sequence number, issued at now (whole seconds) and valid for valid. The
// sequence number is stored durably before the list exists, so a crash can
// skip a number but never hand one out twice. The list is checked
// with ParseTrustList, as any relying party would, before it is returned.
func (a *Authority) SignTrustList(now time.Time, valid time.Duration) ([]byte, *TrustList, error) {
	if valid < MinTrustListValidity || valid > MaxTrustListValidity {
		return nil, nil, problem.Field("valid", "range", "%v is outside %v to %v", valid, MinTrustListValidity, MaxTrustListValidity)
	}
	now = now.UTC().Truncate(time.Second)
	next := now.Add(valid)
	if now.Before(a.Signer.NotBefore) || next.After(a.Signer.NotAfter) {
		return nil, nil, fmt.Errorf("the trust-list signer's certificate is valid %s to %s, which does not cover %s to %s",
			a.Signer.NotBefore.Format(time.RFC3339), a.Signer.NotAfter.Format(time.RFC3339), now.Format(time.RFC3339), next.Format(time.RFC3339))
	}
	unlock, err := lockDir(a.Dir)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	ps, rs, err := a.current()
	if err != nil {
		return nil, nil, err
	}
	seq, err := a.nextSequence()
	if err != nil {
		return nil, nil, err
	}
	content, err := encodeTrustList(a.Name, seq, now, next, ps, rs)
	if err != nil {
		return nil, nil, err
	}
	der, err := signTrustList(content, a.Signer, a.signerKey, now, a.Rand)
	if err != nil {
		return nil, nil, err
	}
	l, err := ParseTrustList(der, a.Root, now)
	if err != nil {
		return nil, nil, fmt.Errorf("the list just signed does not verify: %w", err)
	}
	return der, l, nil
}

// nextSequence takes the next trust-list sequence number. The caller holds
// the lock.
func (a *Authority) nextSequence() (uint64, error) {
	p := filepath.Join(a.Dir, SequenceFile)
	var last uint64
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
		if last, err = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err != nil {
			return 0, fmt.Errorf("%s: %w", SequenceFile, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return 0, err
	}
	seq := last + 1
	if err := writeReplace(p, []byte(strconv.FormatUint(seq, 10)+"\n"), keyMode); err != nil {
		return 0, err
	}
	return seq, nil
}

// exists is the problem of a name that is taken; errors.Is finds ErrExists.
func exists(field, format string, args ...any) error {
	p := problem.New(problem.Conflict, field, "exists", format, args...)
	p.Cause = ErrExists
	return p
}

// WriteTrustList publishes a signed list at path, replacing the previous one
// atomically: a reader fetching it meanwhile gets the old list or the new.
func WriteTrustList(path string, der []byte) error {
	return writeReplace(path, der, certMode)
}
