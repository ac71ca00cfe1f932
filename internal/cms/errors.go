package cms

import (
	"errors"
	"fmt"
)

// The checks a SignedData or a time-stamp token can fail, and an envelope
// (ErrFormat, ErrDecrypt). Every error of Parse, Verify, ParseToken and
// VerifyToken wraps one, and so does Decrypt's unless the caller's own
// certificate or key is unusable; test with errors.Is,
// the more specific first. Each message starts with the check's name
// ("signature: message digest: …"), so a caller's prefix ("trust list: ")
// gives a message that names the check first.
var (
	// ErrFormat: not the DER structure this package accepts (truncated,
	// garbage, BER, trailing bytes, a second signer, an attribute twice, a
	// token without its TSTInfo or its signing-certificate attribute).
	ErrFormat = errors.New("format")
	// ErrNoSigner: the certificate the SignerInfo names is not included, so
	// the signature cannot be checked offline. It is an ErrFormat.
	ErrNoSigner = fmt.Errorf("%w: no signer certificate", ErrFormat)
	// ErrSignature: the signature does not verify, or the signed attributes
	// do not match the content: something was changed after signing.
	ErrSignature = errors.New("signature")
	// ErrContentType: the signed content-type attribute is not the
	// eContentType (RFC 5652 §11.1). It is an ErrSignature: the unsigned copy
	// of the type was changed, or the signer signed another type.
	ErrContentType = fmt.Errorf("%w: content-type attribute", ErrSignature)
	// ErrMessageDigest: the message-digest attribute is not the digest of
	// the content (RFC 5652 §11.2). It is an ErrSignature.
	ErrMessageDigest = fmt.Errorf("%w: message digest", ErrSignature)
	// ErrSignerRole: the certificate is not the one allowed to sign this:
	// for a token, the TSA's extended key usage (RFC 3161 §2.3).
	ErrSignerRole = errors.New("signer role")
	// ErrSigningCertificate: the signing-certificate(-v2) attribute names
	// another certificate than the signer's (RFC 5035 §5.4.1). It is an
	// ErrSignerRole: the signature is the key's, but not that certificate's.
	ErrSigningCertificate = fmt.Errorf("%w: signing-certificate attribute", ErrSignerRole)
	// ErrChain: the TSA's certificate does not chain to the roots at the
	// token's genTime.
	ErrChain = errors.New("certificate chain")
	// ErrImprint: the token covers another digest than the one given.
	ErrImprint = errors.New("message imprint")
)

// formatf is an ErrFormat with a message.
func formatf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// ErrDecrypt: Decrypt's key does not open the envelope: the message is
// addressed to another certificate, the key is not the certificate's, the
// wrapped key's integrity check fails (RFC 3394 §2.2.3), or the GCM tag does
// not verify (RFC 5084 §3.2), so the ciphertext, its parameters or the tag
// were changed. What is not the envelope's structure at all is ErrFormat.
var ErrDecrypt = errors.New("decrypt")

// decryptf is an ErrDecrypt with a message.
func decryptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDecrypt, fmt.Sprintf(format, args...))
}
