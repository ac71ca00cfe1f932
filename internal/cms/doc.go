// Package cms writes and reads the strict DER subset of CMS SignedData
// (RFC 5652 §5) that Siegel signs and accepts, verifies RFC 3161
// time-stamp tokens, which are SignedData too, and encrypts letters between
// providers as AuthEnvelopedData (RFC 5083). Four kinds of signed document
// use it:
//
//   - the accreditation authority's trust list (internal/pki): JSON under its
//     own eContentType, signed by the trust-list signer;
//   - evidence files (internal/evidence): the XML evidence document as id-data,
//     signed by a provider's seal with the signed attribute
//     signing-certificate-v2 (RFC 5035 §3) and the signature time-stamp as
//     unsigned attribute: CAdES baseline B-T (ETSI EN 319 122-1 §5.2.2.3,
//     §5.3, §6.3);
//   - confirmation messages (internal/evidence): the same signature, detached,
//     over the signed part of S/MIME multipart/signed (RFC 8551 §3.5.3);
//   - RFC 3161 time-stamp tokens (§2.4.2): a TSTInfo, signed by the
//     authority's in-process TSA or by any other TSA.
//
// # Writing
//
// NewSigner prepares, once, everything that depends on the certificates only;
// Signer.Sign signs one content and returns a Signature, and
// Signature.Marshal writes the ContentInfo; Signature.MarshalDetached writes
// it without the content, for S/MIME multipart/signed (RFC 8551 §3.5.3),
// such as a provider's confirmation messages. The two steps exist because a
// CAdES signature time-stamp covers the signature value (RFC 3161 Appendix A;
// ETSI EN 319 122-1 §5.3): the caller gets the token for Signature.Value and
// passes it to Marshal as an unsigned attribute. What is written: one signer,
// ECDSA P-256 with SHA-256 through a crypto.Signer, whose Sign alone is called
// (so a PKCS#11 key works), identified by issuer and serial number; the
// signed attributes content-type and message-digest (RFC 5652 §11.1, §11.2,
// computed here), signing-time (§11.3, the caller's time, never the wall
// clock) and the signer's own (SigningCertificateV2); the certificates given
// to NewSigner; version 1 for id-data and 3 for any other content (§5.1).
// MarshalTSTInfo writes the TSTInfo a TSA signs.
//
// # Reading
//
// Parse takes hostile input and accepts one shape: a single DER ContentInfo
// (definite minimal lengths, minimal integers, no trailing bytes) holding
// SignedData of version 1 or 3 as §5.1 requires, one digest algorithm that is
// the SignerInfo's, attached content or none (Detached: RFC 5652 §5.2, given
// back with Attach), X.509 certificates only, no CRLs, exactly
// one SignerInfo (issuer and serial number, or subject key identifier), SHA-256,
// -384 or -512 with ECDSA or RSA PKCS#1 v1.5, and signed attributes that each
// occur once with one value, content-type and message-digest among them.
// SignedData.Verify checks the signature; ParseToken adds the token's profile
// and reads the TSTInfo, and VerifyToken checks a token completely: its
// signature, the imprint, and the TSA certificate's role and chain at genTime.
// Each failure wraps one of the Err… values, which callers map to their own
// names for the checks.
//
// # Encrypting between providers
//
// A letter from one provider to another is encrypted to the receiving
// provider's domain certificate (SPEC "Transport between providers").
// Encrypt writes CMS AuthEnvelopedData (RFC 5083) with AES-256-GCM (RFC
// 5084) and one KeyAgreeRecipientInfo for ephemeral-static ECDH on P-256
// (RFC 5753 §3.1): dhSinglePass-stdDH-sha256kdf-scheme, the X9.63 KDF over
// the ECC-CMS-SharedInfo (§7.2), AES-256 key wrap (RFC 3394), the recipient
// named by issuer and serial number. Decrypt reads that, and what OpenSSL 3
// writes for an EC certificate by default (the KDF with SHA-1) or with other
// KDF hashes and AES key sizes; it refuses anything else, more than one
// recipient, attributes, and more than 64 MiB, with ErrFormat, and a message
// for another key or one that was changed with ErrDecrypt. The MIME around
// the envelope (RFC 8551 §3.4) is the caller's. Its tests check both
// directions against OpenSSL. github.com/digitorus/pkcs7 is no help here:
// it transports keys to RSA certificates only, and puts GCM into
// EnvelopedData rather than AuthEnvelopedData.
//
// # Why not github.com/digitorus/pkcs7
//
// pkcs7 stamps signing-time with the wall clock and checks it against the
// certificate's validity, which breaks the injected clock: a test at
// 2027-03-02, or a TSA certificate younger than the real time, gives tokens
// the library then refuses. Its parser turns BER into DER and ignores
// trailing bytes, so what it verified may not be the bytes in the file, and
// it does not compare the content-type attribute with the eContentType; a
// verifier of court evidence must refuse all of that. So this package writes
// and reads the few shapes above by hand. Its tests check what it writes
// with pkcs7 and github.com/digitorus/timestamp as independent readers, and
// that it reads what they write; those of internal/pki and internal/evidence
// check the documents with OpenSSL too.
// The time-stamp protocol messages (requests and responses, RFC 3161 §2.4)
// stay with github.com/digitorus/timestamp in internal/pki.
package cms
