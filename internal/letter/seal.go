package letter

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sealer is the provider's seal key with its certificate: a crypto.Signer
// (ECDSA P-256, the key may live in a PKCS#11 token, so only Sign is called) and
// the certificate of its public key.
type Sealer interface {
	crypto.Signer
	Certificate() *x509.Certificate
}

// Limits of a seal. A reader applies them to what other providers send, so that
// hostile input cannot make it allocate or work without bound.
const (
	maxCertificate    = 16 << 10 // DER bytes in X-de-mail-signature-certificate
	maxIntegrityField = 4 << 10  // bytes of the X-de-mail-integrity field, folding included
	maxSignedFields   = 64       // names in h=
	maxSignature      = 256      // base64 characters of b=; DER ECDSA P-256 has at most 72 bytes
)

// signatureAlgorithm is a= of a sealed letter: SHA-256 and ECDSA P-256.
const signatureAlgorithm = "sha256/ecdsa-p256"

// sealedFields is h= of a letter Build seals: every field that says who sent
// what to whom with which options, as the sender's provider confirms it
// (DMG §5(5); TR PVD-IO §3.4), and the seal certificate itself, so that it
// cannot be swapped for another one with the same key.
//
// All of them are the same in every copy, so that one signature, made once in
// Build, is valid on each. X-de-mail-chosen-recipient is not signed: it differs
// per copy, because it shows bcc addresses only to the sender and to each bcc
// recipient its own (TR PVD-IO §3.1.8); a signature over it would have to be
// made per copy, and the sender's copy's signature would cover, and so reveal,
// every bcc recipient.
//
// In-Reply-To and References are signed because a sender-confirmed answer
// names what it answers (RFC 5322 §3.6.4), as the sender wrote it.
//
// Cc, In-Reply-To, References, X-de-mail-account-holder, X-de-mail-private-id
// and Content-Transfer-Encoding are listed even when the letter has none: a listed
// field that is absent is signed as absent (RFC 6376 §5.4), and CheckIntegrity
// refuses a second instance of a listed field, so none can be added later.
// Content-Type and Content-Transfer-Encoding say how the body reads; the body
// hash alone does not protect that (RFC 4871 §5.5 lists them among the fields to
// sign).
func sealedFields() []string {
	return []string{
		"Date", "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "MIME-Version",
		HdrVersion, HdrMessageType, HdrMessageID, HdrSender, HdrAccountHolder,
		HdrProvider, HdrAuthLevel, HdrPrivate, HdrAuthoritative, HdrDispatch,
		HdrReceipt, HdrRetrieve, HdrPrivateID,
		"Content-Type", "Content-Transfer-Encoding", HdrSignatureCertificate,
	}
}

// requiredSignedFields are the fields a signature must cover, and the letter
// must hold once each, for CheckIntegrity to accept it: sender, recipients,
// subject, date, identity, the sender-confirmed option, and the certificate the
// key comes from (TR PVD-IO §3.1.21).
func requiredSignedFields() []string {
	return []string{"From", "To", "Subject", "Date", HdrMessageID, HdrAuthoritative, HdrSignatureCertificate}
}

// checkSeal checks what Build needs of a seal before it signs: a certificate
// that fits into its header field, for an ECDSA P-256 key.
func checkSeal(s Sealer) error {
	if s == nil {
		return errors.New("letter: a sender-confirmed letter needs the provider's seal (Draft.Seal) " +
			"to sign it (TR PVD-IO §3.4)")
	}
	c := s.Certificate()
	switch {
	case c == nil:
		return errors.New("letter: the seal has no certificate")
	case len(c.Raw) == 0 || len(c.Raw) > maxCertificate:
		return fmt.Errorf("letter: the seal certificate has %d bytes of DER; %s carries 1 to %d",
			len(c.Raw), HdrSignatureCertificate, maxCertificate)
	}
	if _, ok := p256Key(c.PublicKey); !ok {
		return fmt.Errorf("letter: the seal certificate's key is %s, not ECDSA P-256", describeKey(c.PublicKey))
	}
	return nil
}

// p256Key returns k as an ECDSA P-256 public key, the only seal key a letter
// carries (a=sha256/ecdsa-p256).
func p256Key(k any) (*ecdsa.PublicKey, bool) {
	pub, ok := k.(*ecdsa.PublicKey)
	return pub, ok && pub.Curve == elliptic.P256()
}

// describeKey names a public key's type for an error message.
func describeKey(k any) string {
	if pub, ok := k.(*ecdsa.PublicKey); ok && pub.Curve != nil {
		return "ECDSA " + pub.Curve.Params().Name
	}
	return fmt.Sprintf("%T", k)
}

// sealFields renders the fields that seal a sender-confirmed letter
// (TR PVD-IO §3.4, §3.1.13, §3.1.21) and returns them with the value of
// X-de-mail-integrity: X-de-mail-signature-certificate with the seal
// certificate, then X-de-mail-integrity as a DKIM-style signature over
// sealedFields (RFC 6376 §3.5, §3.7; "simple" header canonicalization, §3.4.1)
// that includes bh, the body hash. head and mime are the rendered fields every
// copy shares: head those before X-de-mail-chosen-recipient, mime the Content-*
// fields that follow the seal.
func sealFields(s Sealer, head, mime []byte, bh [32]byte) (fields []byte, integrity string, err error) {
	cert := s.Certificate()
	certField := appendField(nil, HdrSignatureCertificate,
		foldableBase64(cert.Raw, maxLine-len(HdrSignatureCertificate)-2))
	shared, err := splitFields(slices.Concat(head, certField, mime))
	if err != nil {
		return nil, "", fmt.Errorf("letter: sealing: %w", err)
	}
	names := sealedFields()
	// FWS may follow each colon of h= (RFC 6376 §3.5), so that the list folds.
	tags := "v=1; a=" + signatureAlgorithm + "; c=simple/simple; h=" + strings.Join(names, ": ") +
		"; bh=" + base64.StdEncoding.EncodeToString(bh[:]) + "; b="
	// Folding before "b=" does not depend on the b= value, so this is the field
	// as it will stand, with the b= value deleted (RFC 6376 §3.7).
	unsigned := appendField(nil, HdrIntegrity, tags)
	digest := headerHash(pick(shared, names), unsigned[:len(unsigned)-2])
	sig, err := signDigest(s, cert, digest)
	if err != nil {
		return nil, "", err
	}
	integrity = tags + " " + foldableBase64(sig, maxLine-1)
	return appendField(certField, HdrIntegrity, integrity), integrity, nil
}

// signDigest signs with the seal and checks the signature against the seal
// certificate: a token that signs with another key than its certificate names
// would otherwise send letters that no one can verify.
func signDigest(s Sealer, cert *x509.Certificate, digest [32]byte) ([]byte, error) {
	sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("letter: the seal cannot sign: %w", err)
	}
	pub, _ := p256Key(cert.PublicKey) // checkSeal made sure
	if len(sig) > base64.StdEncoding.DecodedLen(maxSignature) || !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return nil, errors.New("letter: the seal's signature does not verify with the seal certificate: " +
			"the key is not the certificate's, or the signature is not ASN.1 DER")
	}
	return sig, nil
}

// foldableBase64 encodes data in base64 as words of at most first, then
// maxLine-1, characters, separated by single spaces: appendField folds at those
// spaces, so every line of a long value fits into maxLine (RFC 5322 §2.1.1). A
// reader drops the spaces (RFC 6376 §3.2: whitespace in a tag value is ignored).
func foldableBase64(data []byte, first int) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(s) + len(s)/(maxLine-1) + 1)
	for n := max(first, 1); len(s) > 0; n = maxLine - 1 {
		n = min(n, len(s))
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[:n])
		s = s[n:]
	}
	return b.String()
}
