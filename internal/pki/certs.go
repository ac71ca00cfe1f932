package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/problem"
)

// oidArc is Siegel's provisional OID arc: the documentation enterprise number
// of RFC 5612 (see the package comment, "Object identifiers").
func oidArc(sub ...int) asn1.ObjectIdentifier {
	return append(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434}, sub...)
}

// Siegel's object identifiers. Functions, not variables: an OID is a slice,
// and a caller could otherwise change it for the whole process.

// OIDTSAPolicy is the policy under which TSA issues its tokens: genTime from
// the provider's clock, accurate to a second, no other promise.
func OIDTSAPolicy() asn1.ObjectIdentifier { return oidArc(1, 1) }

// OIDTrustList is the eContentType of a trust list, so that no other document
// the trust-list signer signs can pass for one.
func OIDTrustList() asn1.ObjectIdentifier { return oidArc(2, 1) }

// OIDTrustListSigning is the extended key usage that makes a certificate the
// authority's trust-list signer.
func OIDTrustListSigning() asn1.ObjectIdentifier { return oidArc(3, 1) }

// Standard object identifiers used here; read only.
var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}              // RFC 5280 §4.2.1.12
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8} // RFC 5280 §4.2.1.12
)

// Lifetimes of the certificates the authority makes.
const (
	rootYears     = 20
	tsaYears      = 10
	signerYears   = 10
	providerYears = 2 // below the 3 years after which DMG §17 (3) requires re-accreditation
	// backdate moves NotBefore into the past, so a relying party whose clock
	// is a little behind accepts a certificate issued a moment ago.
	backdate = time.Hour
)

// Name limits. X.520 bounds an organisation name and a common name at 64
// characters; the authority's name is also part of its certificates' common
// names ("NAME Time-Stamping Authority"), so it gets less.
const (
	maxAuthorityName = 40
	maxProviderName  = 64
)

// confirmationSenders are the system local parts whose mail the seal signs
// (TR PVD-IO §3.1, SPEC "Message format"): the seal certificate names their
// addresses, so that mail clients show signed confirmations as coming from
// the sender they claim.
func confirmationSenders() []string {
	return []string{"versandbestaetigung", "eingangsbestaetigung", "abholbestaetigung", "benachrichtigung"}
}

// checkName checks a name for a certificate's subject; the problem names
// field.
func checkName(field, s string, limit int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", problem.Field(field, "required", "required")
	case !utf8.ValidString(s):
		return "", problem.Field(field, "syntax", "not valid UTF-8")
	case utf8.RuneCountInString(s) > limit:
		return "", problem.Field(field, "too_long", "longer than %d characters", limit)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", problem.Field(field, "syntax", "may not contain control characters")
		}
	}
	return s, nil
}

// newKey makes an ECDSA P-256 key, the one key type of this PKI.
func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// newSerial returns a random positive 128-bit number: unpredictable certificate
// serials (CA/Browser Forum practice, at least 64 random bits) that fit the 20
// octets RFC 5280 §4.1.2.2 allows, and unique time-stamp serials without
// state shared between processes (RFC 3161 §2.4.2).
func newSerial(r io.Reader) (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// criticalEKU is an extended-key-usage extension marked critical, which
// x509.Certificate's ExtKeyUsage cannot express. RFC 3161 §2.3 requires it for
// a TSA; for the trust-list signer it keeps every other relying party from
// taking the certificate for anything else.
func criticalEKU(oids ...asn1.ObjectIdentifier) (pkix.Extension, error) {
	v, err := asn1.Marshal(oids)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: v}, nil
}

// issue signs tmpl with the parent's key, after filling in the fields every
// certificate here shares, and returns the parsed certificate. A child never
// outlives its parent: a chain is valid only as long as its shortest link.
func issue(rnd io.Reader, tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer, now time.Time, years int) (*x509.Certificate, error) {
	serial, err := newSerial(rnd)
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-backdate).UTC()
	tmpl.NotAfter = now.AddDate(years, 0, 0).UTC()
	if parent != nil && tmpl.NotAfter.After(parent.NotAfter) {
		tmpl.NotAfter = parent.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	tmpl.SignatureAlgorithm = x509.ECDSAWithSHA256
	if parent == nil {
		parent = tmpl // self-signed
	}
	der, err := x509.CreateCertificate(rnd, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// rootTemplate is the authority's root CA. Path length 0: below it there are
// only end-entity certificates, so a leaked provider key can never mint
// certificates of its own.
func rootTemplate(name string) *x509.Certificate {
	return &x509.Certificate{
		Subject:        pkix.Name{CommonName: name + " Root CA", Organization: []string{name}},
		KeyUsage:       x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IsCA:           true,
		MaxPathLen:     0,
		MaxPathLenZero: true,
	}
}

// tsaTemplate is the time-stamping authority's certificate: the critical
// timeStamping-only extended key usage of RFC 3161 §2.3, and a key usage that
// OpenSSL's timestamp-signing purpose accepts (digitalSignature only).
func tsaTemplate(name string) (*x509.Certificate, error) {
	eku, err := criticalEKU(oidTimeStamping)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		Subject:         pkix.Name{CommonName: name + " Time-Stamping Authority", Organization: []string{name}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{eku},
	}, nil
}

// signerTemplate is the trust-list signer's certificate.
func signerTemplate(name string) (*x509.Certificate, error) {
	eku, err := criticalEKU(OIDTrustListSigning())
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		Subject:         pkix.Name{CommonName: name + " Trust List Signer", Organization: []string{name}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{eku},
	}, nil
}

// sealTemplate is a provider's seal: it signs evidence and confirmations
// (DMG §5 (7)–(9) ask for the provider's signature on each). contentCommitment
// (formerly nonRepudiation) says the signatures commit the provider to the
// content; emailProtection lets mail clients accept the S/MIME confirmations,
// which come from the reserved sender addresses named here.
func sealTemplate(domain, name string) *x509.Certificate {
	var emails []string
	for _, l := range confirmationSenders() {
		emails = append(emails, l+"@"+domain)
	}
	return &x509.Certificate{
		Subject:        pkix.Name{CommonName: domain, Organization: []string{name}},
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		DNSNames:       []string{domain},
		EmailAddresses: emails,
	}
}

// tlsTemplate is a provider's TLS certificate for federation, which is mutual
// TLS (TR BInfra-IO §2, Table 1: client authentication "muss"), hence both
// serverAuth and clientAuth (TR BInfra-IO §4 Table 2). The loopback names let
// tests and the demo run a federation on one machine. ECDHE with an ECDSA key
// needs digitalSignature only; the TR's keyEncipherment is for RSA key
// transport, which P-256 keys cannot do.
func tlsTemplate(domain, name string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: domain, Organization: []string{name}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{domain, "localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
}

// matchKey checks that key belongs to cert: a folder whose files were mixed
// up fails at load, not at the first signature someone cannot verify.
func matchKey(cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return errors.New("the private key does not belong to the certificate")
	}
	return nil
}
