// Package search is the mailbox search of TR PVD-FU §3.1.3.8: by sender,
// recipient, subject, file number, date range, dispatch option and
// confirmation state, over an index rather than a scan, so that a mailbox of
// 100,000 letters answers in milliseconds. It holds the pure part: how text
// becomes index terms (Words), which terms a letter has (Letter.Terms), and
// how a user's query becomes conditions on those terms (Query.Plan). The
// stores keep the index (store.SearchTx) and run the conditions.
//
// # Terms
//
// A term is a word of a letter, folded so that a search ignores case and
// spelling variants: compatibility normalisation (NFKC: the ligature ﬁ is
// fi, a full-width Ａ is A), case folding (so "STEUER", "Steuer" and "steuer"
// are one word), then the German transliteration that addresses
// are made with (ICAO 9303, TR ACM-FU §2.1.3: ä→ae, ö→oe, ü→ue, ß→ss, other accents
// dropped, é→e; accents of other scripts too, ά→α). "Müller", "MÜLLER" and "Mueller" are therefore one word and
// find the address hans.mueller@…; "Muller" does not, as German does not
// write ü as u. Words are the runs of letters and digits; everything else
// (spaces, dots, @, hyphens, slashes) separates them, so a file number
// "AZ-4711/25" is the words az, 4711 and 25. A query word matches every term
// it begins (word prefix: "steuer" finds "Steuerbescheid").
//
// Each term carries the fields it was found in (Field). Options, states and
// the copy's existence are terms too ("~personal", "~unread", "~all"), which
// no word can spell, so that every condition of a search is a lookup in one
// index ordered by arrival.
//
// # What a search may reveal
//
// A letter whose content is hidden from the session (a personal letter seen
// at normal, DMG §5(4); TR PVD-FU §3.3.2) shows in a listing only its sender,
// its arrival, that it is personal and whether it was read. A search must
// reveal nothing more: such a letter matches only through terms of those
// (Shown), never by its subject, file number, recipients, other options or
// pickup state.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/siegel-mail/siegel/internal/address"
)

// Field is where in a letter a term was found: a bit set.
type Field uint8

// The fields of a letter, and the kinds of attribute terms.
const (
	InSender     Field = 1 << iota // the sender's address (a person's name, transliterated, TR ACM-FU §2.1.3)
	InSubject                      // the subject
	InFileNumber                   // the sender's file number (X-de-mail-private-id, TR PVD-IO §3.1)
	InRecipients                   // the To and Cc recipients; in the sender's own copy also the Bcc ones
	Attribute                      // an option or a state that a listing shows only of a letter it does not hide
	Listed                         // an attribute a listing shows even of a hidden letter: that it exists, is personal, was read
)

// Text is every field of a letter's words: what a free-text word matches.
const Text = InSender | InSubject | InFileNumber | InRecipients

// Shown is what a letter whose content is hidden from the session may match
// by: its sender and the attributes a listing shows of it (DMG §5(4)).
const Shown = InSender | Listed

// Attribute terms: no word can spell them, as words hold letters and digits
// only. The stores' triggers write the state terms (the migrations name
// them): keep the two in step.
const (
	// TermAll is every copy's: the condition of a search without any other.
	TermAll = "~all"
	// TermPrefix begins every attribute term.
	TermPrefix = "~"
)

// Options are the dispatch options a search filters by (DMG §5), each the
// term TermPrefix+name.
func Options() []string {
	return []string{"personal", "sender_confirmed", "dispatch_confirmation", "receipt_confirmation", "pickup_confirmation"}
}

// States are the confirmation states a search filters by, each the term
// TermPrefix+name: a received copy is unread or read; a received copy of a
// letter with pickup confirmation awaits pickup until its holder's first
// login at high, then is picked up (DMG §5(9)). Whether a receipt or pickup
// confirmation reached the sender is evidence, listed with each letter, not
// a state of the copy: finding it would mean reading every letter's evidence.
func States() []string { return []string{"unread", "read", "awaiting_pickup", "picked_up"} }

// MaxTerm bounds a term in bytes; longer words are cut (at a character), in
// the index and in queries alike, so that they still match by prefix.
const MaxTerm = 64

// Words splits s into its folded words (see the package comment), in order,
// duplicates kept.
func Words(s string) []string {
	s = norm.NFKC.String(s)
	var out []string
	var w strings.Builder
	end := func() {
		if w.Len() > 0 {
			out = append(out, cut(w.String()))
			w.Reset()
		}
	}
	for _, r := range s {
		// Simple case folding, one character at a time, so that folding a
		// word again changes nothing.
		r = unicode.ToLower(unicode.ToUpper(r))
		switch {
		case r < utf8.RuneSelf:
			if isAlnum(byte(r)) {
				w.WriteByte(byte(r))
				continue
			}
			end()
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// Accents go, in every script: "s̈" is s, "ά" is α.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			if latin(&w, r) {
				continue
			}
			// Without its accents, what is left may be Latin again: ǽ is æ,
			// which is ae.
			for _, d := range norm.NFD.String(string(r)) {
				if !unicode.Is(unicode.Mn, d) && !unicode.Is(unicode.Me, d) && !latin(&w, d) {
					w.WriteRune(d)
				}
			}
		default:
			end()
		}
	}
	end()
	return out
}

// latin writes r transliterated when it is a Latin letter or digit that
// ICAO 9303 writes in ASCII (TR ACM-FU §2.1.3), and reports whether it did.
func latin(w *strings.Builder, r rune) bool {
	if r < utf8.RuneSelf {
		if isAlnum(byte(r)) {
			w.WriteByte(byte(r))
			return true
		}
		return false
	}
	t := address.Transliterate(string(r))
	if t == "" || !asciiAlnum(t) {
		return false
	}
	w.WriteString(strings.ToLower(t))
	return true
}

// cut shortens w to MaxTerm bytes at a character boundary.
func cut(w string) string {
	if len(w) <= MaxTerm {
		return w
	}
	n := MaxTerm
	for n > 0 && !utf8.RuneStart(w[n]) {
		n--
	}
	return w[:n]
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z'
}

func asciiAlnum(s string) bool {
	for i := range len(s) {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}
