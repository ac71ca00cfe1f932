// Package export writes a mailbox out for its holder, in formats that any
// mail program, and any court, reads without Siegel (TR PVD-FU §3.1.3.4;
// TR PVD-IO §3.6: portability, so that a user leaving a provider, or a
// provider shutting down, loses no proof):
//
//   - one letter as an RFC 5322 file (.eml): the copy exactly as stored,
//     with its X-de-mail-integrity value, which `siegel verify` checks;
//   - a folder as an mbox (RFC 4155), in the mboxrd variant (MboxWriter);
//   - the whole account as one zip archive (Archive) with every letter of
//     every folder (.eml), every evidence file the holder may have (.p7m)
//     and an index (index.json for programs, index.txt for people) naming
//     each file with its SHA-256: `siegel verify ARCHIVE.zip` checks it in
//     one go (package verification, CheckArchive).
//
// This package knows the formats only; package mailbox walks a mailbox
// into them (mailbox/export.go), a page of the store at a time. Everything
// is written as a stream: neither a folder nor an account is ever held in
// memory, only one letter at a time; the archive's index is spooled to a
// temporary file until its end.
package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kinds of message in an archive's index (Entry.Kind).
const (
	KindLetter       = "letter"       // a letter with X-de-mail-integrity
	KindConfirmation = "confirmation" // a confirmation message (S/MIME multipart/signed) carrying an evidence file
	// KindMessage is a provider's notice (a reminder before deemed
	// service, a warning of a late handover): no integrity value, so the
	// index's SHA-256 is all that vouches for it.
	KindMessage = "message"
)

// KindOf says what kind of message raw is, by its header block, as
// package verification tells them apart.
func KindOf(raw []byte) string {
	h := headerBlock(raw)
	lower := bytes.ToLower(h)
	switch {
	case bytes.Contains(lower, []byte("content-type: multipart/signed")):
		return KindConfirmation
	case bytes.Contains(lower, []byte("\nx-de-mail-integrity:")) || bytes.HasPrefix(lower, []byte("x-de-mail-integrity:")):
		return KindLetter
	}
	return KindMessage
}

// headerBlock is the message's header block, up to the first empty line.
func headerBlock(b []byte) []byte {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return b[:i+2]
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return b[:i+1]
	}
	return b
}

// LetterPath is where an archive keeps the copy id of folder:
// "inbox/<id>.eml".
func LetterPath(folder, id string) string {
	return safeName(folder) + "/" + safeName(id) + ".eml"
}

// EvidencePath is where an archive keeps an evidence file:
// "evidence/<event>-<id>.p7m".
func EvidencePath(event, id string) string {
	return "evidence/" + safeName(event) + "-" + safeName(id) + ".p7m"
}

// safeName keeps letters, digits, '.', '_' and '-' of s, at most 100 bytes
// of them; anything else, or an id too long, is replaced and the name
// made unique again with a hash of s. Ids are ours (hex) except those of
// evidence from another provider, which may be any text.
func safeName(s string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r == '.':
			return r
		}
		return '_'
	}, s)
	clean = strings.TrimLeft(clean, ".")
	if clean == s && clean != "" && len(clean) <= 100 {
		return clean
	}
	sum := sha256.Sum256([]byte(s))
	if len(clean) > 80 {
		clean = clean[:80]
	}
	return clean + "~" + hex.EncodeToString(sum[:6])
}

// ArchiveName is the file name an account's archive is offered under:
// "siegel-<address>-<date>.zip".
func ArchiveName(address string, at time.Time) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@._-", r) {
			return r
		}
		return '_'
	}, address)
	return "siegel-" + name + "-" + at.UTC().Format("2006-01-02") + ".zip"
}
