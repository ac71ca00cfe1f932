package pki

import (
	"errors"

	"github.com/siegel-mail/siegel/internal/cms"
)

// The checks a signed document can fail, each an error that verification
// wraps; test them with errors.Is. The message around it says what exactly.
// All but ErrContent are internal/cms's, which checks the CMS structure of
// the trust list and of time-stamp tokens; its more specific errors
// (cms.ErrMessageDigest, cms.ErrSigningCertificate …) are each one of these.
var (
	// ErrFormat: not the expected DER structure (truncated, garbage, BER,
	// trailing bytes, another content type, the signer's certificate missing).
	ErrFormat = cms.ErrFormat
	// ErrSignature: the signature or the content digest does not verify:
	// the content or the signed attributes were changed.
	ErrSignature = cms.ErrSignature
	// ErrChain: the signer's certificate does not chain to the given root at
	// the time that matters, or was used outside its validity.
	ErrChain = cms.ErrChain
	// ErrSignerRole: the certificate chains, but it is not the one allowed to
	// sign this kind of document (key usage, extended key usage, the
	// signing-certificate attribute).
	ErrSignerRole = cms.ErrSignerRole
	// ErrContent: the signed content breaks the document's own rules.
	ErrContent = errors.New("content")
	// ErrImprint: a time-stamp token covers another digest than the one given.
	ErrImprint = cms.ErrImprint
)
