package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"

	"github.com/siegel-mail/siegel/internal/cms"
)

// An evidence file is read with internal/cms, which reads and verifies the
// strict DER SignedData that Siegel writes. This file narrows that to what
// Sign writes and names the check behind each of the package's errors.

// signedFile is an evidence file, or the signature of a confirmation
// message, taken apart; nothing in it is verified yet.
type signedFile struct {
	sd    *cms.SignedData
	token []byte // the signature-time-stamp: a DER TimeStampToken
}

// parseSignedFile reads an evidence file: the CMS structure Sign writes,
// with the evidence document as its attached content (checkProfile). A
// detached signature, as in a confirmation message, is no evidence file:
// without the document it proves nothing. Every failure is CheckCMS, but a
// missing time-stamp, CheckTimestamp.
func parseSignedFile(der []byte) (*signedFile, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, &VerifyError{Check: CheckCMS, Err: err}
	}
	switch {
	case sd.Detached:
		return nil, failf(CheckCMS, "the content is detached: an evidence file carries its evidence document")
	case len(sd.Content) > MaxDocument:
		return nil, failf(CheckCMS, "the content has %d bytes, an evidence document at most %d", len(sd.Content), MaxDocument)
	}
	return checkProfile(sd)
}

// checkProfile narrows what cms.Parse accepts to what Sign and
// ComposeConfirmation write (RFC 5652 §3, §5; CAdES B-T, ETSI EN 319 122-1
// §6.3): id-data and an issuer-and-serial-number signer (so version 1),
// SHA-256 and ECDSA, the certificates in the file, the four signed
// attributes content-type, message-digest, signing-time and
// signing-certificate-v2, and the signature-time-stamp as the one unsigned
// attribute. Every failure is CheckCMS, but a missing time-stamp,
// CheckTimestamp.
func checkProfile(sd *cms.SignedData) (*signedFile, error) {
	_, ess := sd.SignedAttrs.Get(cms.OIDSigningCertificateV2())
	switch {
	case !sd.ContentType.Equal(cms.OIDData()):
		return nil, failf(CheckCMS, "the encapsulated content type is %v, not id-data", sd.ContentType)
	case sd.Version != 1:
		return nil, failf(CheckCMS, "the signer is not identified by issuer and serial number")
	case sd.DigestAlgorithm != crypto.SHA256 || sd.SignatureAlgorithm != x509.ECDSAWithSHA256:
		return nil, failf(CheckCMS, "the algorithms are not SHA-256 and ECDSA with SHA-256")
	case len(sd.Certificates) == 0:
		return nil, failf(CheckCMS, "no certificates: the signer certificate must be in the file")
	case sd.SignedAttrs.Len() != 4 || sd.SigningTime.IsZero() || !ess:
		return nil, failf(CheckCMS, "%d signed attributes, want content-type, message-digest, signing-time and signing-certificate-v2",
			sd.SignedAttrs.Len())
	}
	token, ok := sd.UnsignedAttrs.Get(cms.OIDTimeStampToken())
	if !ok {
		return nil, failf(CheckTimestamp, "no signature-time-stamp attribute")
	}
	if sd.UnsignedAttrs.Len() != 1 {
		return nil, failf(CheckCMS, "unsigned attributes other than the signature-time-stamp")
	}
	return &signedFile{sd: sd, token: token}, nil
}

// checkSignature makes the checks that need nothing but the file (the
// signed content type, the message digest, the signer certificate against
// signing-certificate-v2, the signature; see cms.SignedData.Verify) and
// returns the signer certificate and all certificates in the file.
func (f *signedFile) checkSignature() (*x509.Certificate, []*x509.Certificate, error) {
	signer, certs, err := f.sd.Verify()
	if err != nil {
		return nil, nil, &VerifyError{Check: signatureCheck(err), Err: err}
	}
	if pub, ok := signer.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		return nil, nil, failf(CheckSignature, "the signer key is %T, not ECDSA P-256", signer.PublicKey)
	}
	return signer, certs, nil
}

// signatureCheck names the check of the file's own signature that err
// failed. A content-type attribute other than id-data is the file's shape,
// not a broken signature: Sign never writes one. A signer certificate that
// is not in the file fails signing-certificate, the check that binds the
// signature to the certificate in the file.
func signatureCheck(err error) string {
	switch {
	case errors.Is(err, cms.ErrContentType):
		return CheckCMS
	case errors.Is(err, cms.ErrMessageDigest):
		return CheckMessageDigest
	case errors.Is(err, cms.ErrNoSigner), errors.Is(err, cms.ErrSigningCertificate):
		return CheckSigningCertificate
	case errors.Is(err, cms.ErrSignature):
		return CheckSignature
	}
	return CheckCMS
}

// verifyToken checks the signature-time-stamp with cms.VerifyToken: a
// TimeStampToken over a TSTInfo (RFC 3161 §2.4.2), signed by the TSA
// certificate it carries, which its signing-certificate attribute names
// (§2.4.1, RFC 5816); its imprint is SHA-256 of the evidence's signature
// value (RFC 3161 Appendix A); and the TSA certificate, timeStamping alone
// and critical (§2.3), chains to roots at genTime.
func verifyToken(token, sig []byte, roots *x509.CertPool) (*cms.Token, error) {
	imprint := sha256.Sum256(sig)
	tok, err := cms.VerifyToken(token, imprint[:], roots)
	if err != nil {
		return nil, &VerifyError{Check: tokenCheck(err), Err: err}
	}
	return tok, nil
}

// tokenCheck names the check of the time-stamp that err failed: the TSA's
// role and chain are timestamp-chain; a signing-certificate attribute that
// names another certificate is the token's own integrity, like its
// signature, and so timestamp.
func tokenCheck(err error) string {
	switch {
	case errors.Is(err, cms.ErrImprint):
		return CheckTimestampImprint
	case errors.Is(err, cms.ErrSigningCertificate):
		return CheckTimestamp
	case errors.Is(err, cms.ErrSignerRole), errors.Is(err, cms.ErrChain):
		return CheckTimestampChain
	}
	return CheckTimestamp
}
