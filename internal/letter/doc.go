// Package letter is the registered message: its dispatch options and the rules
// for choosing them (DMG §5; TR PVD-FU §3.3), the X-de-mail-* metadata headers,
// building the RFC 5322/MIME message with its integrity value, and reading a
// stored message back (TR PVD-IO §3).
//
// A letter is built once: Build renders one MIME body, stored once as a blob,
// and the header fields. Each copy's header block differs only in
// X-de-mail-chosen-recipient, which shows bcc addresses to the sender and to
// each bcc recipient only its own (TR PVD-IO §3.1.8, §3.1.21). X-de-mail-integrity
// is therefore the same for every copy: the body hash, and for a
// sender-confirmed letter the provider's signature over the header fields every
// copy shares (TR PVD-IO §3.4). CheckIntegrity verifies both.
//
// The package is pure: no storage, network, logging, clock or package-level
// mutable state. Rule violations are *problem.Error values naming the request
// field (JSON names: "personal", "to", "cc[1]", "attachments[2].filename" …).
package letter
