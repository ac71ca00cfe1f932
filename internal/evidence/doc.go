// Package evidence is the signed, time-stamped proof of each event in a
// registered letter's life: that it left the sender's mailbox (dispatch
// confirmation, DMG §5(7)), was handed over to the recipient's provider
// when that is another one (federation), was stored in the recipient's
// mailbox (receipt confirmation, DMG §5(8)), was picked up at a `high`
// login (pickup confirmation, DMG §5(9)), or that one of these failed. A
// court, an authority or the recipient checks it years later, offline, with
// the file alone: with Siegel (Verify) or with openssl (see
// testdata/README.md for the commands).
//
// An evidence file is three layers, each checkable on its own:
//
//  1. The evidence document (Evidence, Marshal, Parse): XML in the vocabulary of
//     ETSI EN 319 522 — event URIs, evidence identifier, event time, issuer,
//     sender and recipient details, message identifier, submission time, the
//     SHA-256 of the letter as stored, and the reasons of a negative event.
//  2. A CAdES baseline B signature (Sign, SignEvidence): CMS SignedData
//     (RFC 5652) with the XML as attached content, signed by the provider's
//     seal key (ECDSA P-256, SHA-256) with the signed attributes content-type, message-digest,
//     signing-time and signing-certificate-v2 (RFC 5035), and the seal
//     certificate with its chain (not the root) in the file (ETSI EN 319 122-1
//     §5.2, §6.3 B-B).
//  3. An RFC 3161 time-stamp over the signature value, as the unsigned attribute
//     signature-time-stamp, which makes it CAdES baseline T (ETSI EN 319 122-1
//     §5.3, §6.3 B-T). The time-stamp is what lets a verifier check the seal
//     certificate at the moment of signing rather than today: evidence outlives
//     the certificate that signed it, and DMG §5 confirmations keep their
//     validity when a provider later loses its accreditation (SPEC
//     "Dispatch options and confirmations").
//
// A confirmation message (Confirmation, ComposeConfirmation,
// VerifyConfirmation; confirmation.go) carries the same evidence by mail:
// S/MIME multipart/signed (RFC 8551 §3.5.3) whose signed part holds a text
// in German and English, the evidence document, its PDF rendering
// (RenderPDF) and the evidence file itself, signed with the same CAdES B-T
// profile, the signature detached. It is what the sender and the recipient
// receive, and it checks with `openssl cms -verify` as it is; the evidence
// file taken out of it checks on its own.
//
// The CMS of layers 2 and 3 is written, read and verified by internal/cms,
// which the authority's trust list and time-stamp tokens share; this package
// narrows what it accepts to what Sign writes (profile.go) and names the
// check behind each failure (Check…).
//
// The document is in Siegel's own XML namespace (Namespace) and not in ETSI's,
// because it is a simplification of the ETSI EN 319 522-3 evidence schema that
// would not validate against it: see Evidence for the element names and where
// they differ.
//
// The package is pure: no storage, no network (the Timestamper is passed in), no
// logging, no clock (every function that needs the time takes it), and no
// package-level mutable state. Parse and Verify take hostile input: they never
// panic, bound what they read, and say which element or which check failed.
package evidence
