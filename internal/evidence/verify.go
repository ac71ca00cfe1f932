package evidence

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"time"
)

// Names of the checks Verify makes, in the order it makes them; a
// *VerifyError carries the name of the one that failed. VerifyConfirmation
// makes the same and three more, CheckMIME, CheckEvidenceFile and
// CheckHeaders.
const (
	CheckCMS                = "cms"                 // the file is DER CMS SignedData in the form Sign writes
	CheckMessageDigest      = "message-digest"      // message-digest attribute = SHA-256 of the content
	CheckSigningCertificate = "signing-certificate" // signing-certificate-v2 = SHA-256 of the included signer certificate
	CheckSignature          = "signature"           // the ECDSA signature over the signed attributes
	CheckTimestamp          = "timestamp"           // the time-stamp token: present, well formed, signed by its TSA certificate
	CheckTimestampImprint   = "timestamp-imprint"   // the token's imprint = SHA-256 of the signature value
	CheckTimestampChain     = "timestamp-chain"     // the TSA certificate chains to the roots at the time-stamp's time, EKU timeStamping
	CheckChain              = "chain"               // the signer certificate chains to the roots at the time-stamp's time
	CheckSigningTime        = "signing-time"        // signing-time not after the time-stamp's time (with MaxSkew)
	CheckContent            = "content"             // the content is an evidence document (Parse)
	CheckIssuer             = "issuer"              // the document's issuer certificate is the signer's
)

// MaxFile is the largest evidence file Verify reads.
const MaxFile = 1 << 20

// VerifyError is a failed check of an evidence file.
type VerifyError struct {
	Check string // one of the Check… names
	Err   error
}

func (e *VerifyError) Error() string { return "evidence: verify: " + e.Check + ": " + e.Err.Error() }

func (e *VerifyError) Unwrap() error { return e.Err }

func failf(check, format string, args ...any) error {
	return &VerifyError{Check: check, Err: fmt.Errorf(format, args...)}
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// TSARoots are the roots for the time-stamping authority's certificate;
	// nil means the roots given to Verify.
	TSARoots *x509.CertPool
	// MaxSkew is how far the signing time may lie after the time-stamp's
	// time; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verified is what a valid evidence file proves.
type Verified struct {
	Evidence      *Evidence
	Content       []byte            // the XML document as signed
	Signer        *x509.Certificate // the provider's seal certificate
	SigningTime   time.Time         // the signing-time attribute: the provider's clock
	TimestampTime time.Time         // the time-stamp's genTime: the TSA's clock, the time that counts
	TSA           *x509.Certificate // the time-stamping authority's certificate
}

// Verify checks an evidence file offline and returns what it proves. Every
// certificate is checked at the time-stamp's time, not now: evidence is
// checked years after it was signed, when the seal certificate has long
// expired, and the time-stamp proves the signature existed while it was
// valid (ETSI EN 319 102-1 §5.6, signatures with time: the time-stamp is
// the proof of existence). Revocation is not checked: the authority's trust
// list is the place for that.
//
// Any failure is a *VerifyError naming the check (Check… constants). Verify
// never panics, whatever the input.
func Verify(der []byte, roots *x509.CertPool, opts VerifyOptions) (*Verified, error) {
	if len(der) > MaxFile {
		return nil, failf(CheckCMS, "%d bytes, at most %d", len(der), MaxFile)
	}
	opts, err := opts.with(roots)
	if err != nil {
		return nil, err
	}
	f, err := parseSignedFile(der)
	if err != nil {
		return nil, err
	}
	v, err := verifySealed(f, roots, opts)
	if err != nil {
		return nil, err
	}
	if err := v.checkDocument(f.sd.Content); err != nil {
		return nil, err
	}
	return v, nil
}

// with returns opts with the defaults filled in, and refuses to verify
// without roots.
func (opts VerifyOptions) with(roots *x509.CertPool) (VerifyOptions, error) {
	if roots == nil {
		return opts, failf(CheckChain, "no roots given")
	}
	if opts.TSARoots == nil {
		opts.TSARoots = roots
	}
	if opts.MaxSkew == 0 {
		opts.MaxSkew = DefaultMaxSkew
	}
	return opts, nil
}

// verifySealed makes the checks of the seal itself, the same for an
// evidence file and a confirmation message, in this order: the signature
// (message-digest, signing-certificate, signature), the time-stamp
// (timestamp, timestamp-imprint, timestamp-chain), the seal certificate's
// chain at the time-stamp's time, and the signing time against it. The
// content must be in f.sd (attached, or given with Attach). It returns
// what they prove, without the evidence (checkDocument).
func verifySealed(f *signedFile, roots *x509.CertPool, opts VerifyOptions) (*Verified, error) {
	signer, certs, err := f.checkSignature()
	if err != nil {
		return nil, err
	}
	tok, err := verifyToken(f.token, f.sd.Signature, opts.TSARoots)
	if err != nil {
		return nil, err
	}
	genTime := tok.Info.GenTime.UTC()
	if err := checkSignerChain(signer, certs, roots, genTime); err != nil {
		return nil, err
	}
	if f.sd.SigningTime.After(genTime.Add(opts.MaxSkew)) {
		return nil, failf(CheckSigningTime, "signed at %s, but time-stamped at %s (allowed skew %s)",
			stamp(f.sd.SigningTime), stamp(genTime), opts.MaxSkew)
	}
	return &Verified{Signer: signer, SigningTime: f.sd.SigningTime, TimestampTime: genTime, TSA: tok.TSA}, nil
}

// checkDocument reads doc, the signed evidence document, into v: it must
// parse (CheckContent) and name the seal certificate that signed it as the
// issuer's (CheckIssuer), so that no provider's seal vouches for evidence
// that names another provider.
func (v *Verified) checkDocument(doc []byte) error {
	e, err := Parse(doc)
	if err != nil {
		return &VerifyError{Check: CheckContent, Err: err}
	}
	if !bytes.Equal(e.Issuer.Certificate, v.Signer.Raw) {
		return failf(CheckIssuer, "the document names issuer certificate %x, but %s signed it",
			sha256.Sum256(e.Issuer.Certificate), v.Signer.Subject)
	}
	v.Evidence, v.Content = e, doc
	return nil
}

// checkSignerChain checks the seal certificate at the time-stamp's time, with
// the other certificates in the file as intermediates.
func checkSignerChain(signer *x509.Certificate, certs []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range certs {
		if c != signer {
			inter.AddCert(c)
		}
	}
	_, err := signer.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return failf(CheckChain, "the seal certificate %s at %s: %v", signer.Subject, stamp(at), err)
	}
	// RFC 5280 §4.2.1.3: a key usage extension, when present, must allow
	// signatures (digitalSignature, or contentCommitment for a seal).
	if ku := signer.KeyUsage; ku != 0 && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return failf(CheckChain, "the seal certificate's key usage does not allow signatures")
	}
	return nil
}
