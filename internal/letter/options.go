package letter

import (
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// MaxPrivateID is the longest sender's file number, in characters (TR PVD-IO §3.1.17).
const MaxPrivateID = 1024

// Options are the dispatch options a sender chooses for one letter (DMG §5; TR PVD-FU §3.3).
type Options struct {
	Personal             bool // "persönlich": readable only at high (DMG §5(4); TR PVD-FU §3.3.1)
	SenderConfirmed      bool // "absenderbestätigt": provider signs message and metadata (DMG §5(5); TR PVD-FU §3.3.2)
	DispatchConfirmation bool // "Versandbestätigung" (DMG §5(7); TR PVD-FU §3.3.3)
	ReceiptConfirmation  bool // "Eingangsbestätigung" (DMG §5(8); TR PVD-FU §3.3.4)
	PickupConfirmation   bool // "Abholbestätigung", formal service only (DMG §5(9); TR PVD-FU §3.3.5)

	// PrivateID is the sender's file number, at most MaxPrivateID characters; it is
	// copied into every confirmation (TR PVD-IO §3.1.17).
	PrivateID string
}

// Normalize applies the implications between options: a pickup confirmation
// implies personal, since it is created at the recipient's first high login
// (TR PVD-FU §3.3.5: "Es ist die Nachrichtenoption \"persönlich\" zu setzen").
func (o Options) Normalize() Options {
	if o.PickupConfirmation {
		o.Personal = true
	}
	return o
}

// RequiredLevel is the login level a recipient needs to read the content: high
// for a personal letter (after Normalize), normal otherwise (DMG §5(4);
// TR PVD-FU §3.1.2.3).
func (o Options) RequiredLevel() account.Level {
	if o.Normalize().Personal {
		return account.High
	}
	return account.Normal
}

// Sender is what the option rules need to know about the sending session.
type Sender struct {
	Address       string
	Kind          account.Kind
	FormalService bool          // an authority entitled to formal service (pickup confirmations)
	Pseudonym     bool          // Address is a pseudonym (pn_…)
	Level         account.Level // the session's login level at sending
}

// CheckOptions enforces SPEC's dispatch-options table for the sender, on the
// normalized options. It returns the first broken rule, always in this order, so
// that errors are deterministic and a sender first learns what a new login cannot
// fix:
//
//  1. pickup_confirmation / not_entitled (Forbidden): only an authority entitled to formal service;
//  2. sender_confirmed / pseudonym (Forbidden): not from a pseudonym;
//  3. pickup_confirmation / login_level (Forbidden): sender at high;
//  4. personal / login_level (Forbidden): sender at high;
//  5. sender_confirmed / login_level (Forbidden): sender at high;
//  6. private_id / syntax (Invalid): valid UTF-8, since characters are counted;
//  7. private_id / too_long (Invalid): at most MaxPrivateID characters;
//  8. private_id / syntax (Invalid): no control characters (CR, LF …), as it becomes a header;
//  9. private_id / syntax (Invalid): only characters XML can carry, as it goes into evidence.
//
// Dispatch and receipt confirmations are open to every sender at every level.
func CheckOptions(s Sender, o Options) error {
	o = o.Normalize()
	high := s.Level.AtLeast(account.High)
	// DMG §5(9); TR PVD-FU §3.3.5: only public bodies entitled to formal service.
	if o.PickupConfirmation && (s.Kind != account.Authority || !s.FormalService) {
		return problem.New(problem.Forbidden, "pickup_confirmation", "not_entitled",
			"only an authority entitled to formal service may request a pickup confirmation")
	}
	// TR PVD-FU §3.3.2: not in combination with a pseudonym address.
	if o.SenderConfirmed && s.Pseudonym {
		return problem.New(problem.Forbidden, "sender_confirmed", "pseudonym",
			"a sender-confirmed letter cannot be sent from a pseudonym")
	}
	// TR PVD-FU §3.3.5: the sender of a pickup confirmation is logged in at high.
	if o.PickupConfirmation && !high {
		return problem.New(problem.Forbidden, "pickup_confirmation", "login_level",
			"a pickup confirmation needs a login at level high")
	}
	// TR PVD-FU §3.3.1: the sender of a personal letter is logged in at high.
	if o.Personal && !high {
		return problem.New(problem.Forbidden, "personal", "login_level",
			"a personal letter needs a login at level high")
	}
	// DMG §5(5); TR PVD-FU §3.3.2: sender-confirmed confirms a login at high.
	if o.SenderConfirmed && !high {
		return problem.New(problem.Forbidden, "sender_confirmed", "login_level",
			"a sender-confirmed letter needs a login at level high")
	}
	return checkPrivateID(o.PrivateID)
}

// checkPrivateID enforces TR PVD-IO §3.1.17 (≤ 1024 characters) and that the
// value is safe as an unstructured header field.
func checkPrivateID(id string) error {
	if !utf8.ValidString(id) {
		return problem.Field("private_id", "syntax", "the file number is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(id); n > MaxPrivateID {
		return problem.Field("private_id", "too_long",
			"the file number has %d characters; at most %d are allowed", n, MaxPrivateID)
	}
	if hasControl(id) {
		return problem.Field("private_id", "syntax",
			"the file number must not contain line breaks or control characters")
	}
	if !xmlChars(id) {
		// It is copied into every confirmation's evidence document, which is
		// XML: a character XML 1.0 cannot carry would make the letter
		// unprovable.
		return problem.Field("private_id", "syntax",
			"the file number must not contain noncharacters or unpaired surrogates (U+FFFE, U+FFFF …)")
	}
	return nil
}

// xmlChars reports whether every character of s may appear in XML 1.0
// (its Char production); control characters are refused before this.
func xmlChars(s string) bool {
	for _, r := range s {
		if r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			return false
		}
	}
	return true
}

// RecipientInfo is what the recipient rules need to know about one recipient.
type RecipientInfo struct {
	Address      string
	CanLoginHigh bool // the recipient has a second factor and may log in at high
}

// CheckRecipient enforces the recipient side of the options: a personal letter
// to someone who cannot log in at high is refused (SPEC "personal";
// TR PVD-FU §3.3.1, §3.3.5).
// The problem names no field; the caller sets it with problem.WithField, e.g. to
// "to[2]".
func CheckRecipient(o Options, r RecipientInfo) error {
	if o.RequiredLevel() == account.High && !r.CanLoginHigh {
		return problem.New(problem.Forbidden, "", "recipient_level",
			"%s cannot log in at level high, which a personal letter needs", r.Address)
	}
	return nil
}

// hasControl reports whether s holds a control character (C0, DEL, C1), which
// includes CR, LF and TAB.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
