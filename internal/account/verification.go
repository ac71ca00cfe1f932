package account

import (
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// Method is how an identity was verified before the account opened
// (DMG §3(3); TR ACM-FU §2.3).
type Method string

// Verification methods.
const (
	// IDCard and Passport: an officer compares the applicant with the photo
	// of a valid official identity document (DMG §3(3) Nr. 1; TR ACM-FU
	// §2.3.1 a, b).
	IDCard   Method = "id_card"
	Passport Method = "passport"
	// EID: the electronic proof of identity of the German ID card, the eID
	// card or the residence permit, read electronically (TR ACM-FU §2.3.1 c).
	EID Method = "eid"
	// QualifiedSignature: data taken from a qualified electronic signature's
	// certificate, sent securely by its trust service provider (TR ACM-FU
	// §2.3.1 d). For an organisation it verifies the representative who signs.
	QualifiedSignature Method = "qualified_signature"
	// RegisterExtract: an extract from the commercial, cooperative or a
	// comparable official register, or, for an unregistered organisation,
	// the founding documents or documents of equal evidential value, each
	// named in DocumentType (DMG §3(3) Nr. 2; TR ACM-FU §2.3.2 a–d,
	// Tabellen 4–6). At most one month old.
	RegisterExtract Method = "register_extract"
)

// Verification records one verification of an account holder's identity.
// It is what TR ACM-FU §2.3 and §5.1 ask to keep: the method, the document
// type, the officer and the time. It never holds a copy or scan of the
// document, nor its number (DMG §3(3) sentences 2, 3; SPEC Accounts).
type Verification struct {
	Method       Method    `json:"method"`
	DocumentType string    `json:"document_type"`           // "Personalausweis", "Reisepass", "Handelsregisterauszug" …
	DocumentDate string    `json:"document_date,omitempty"` // date of the register extract, YYYY-MM-DD
	Officer      string    `json:"officer,omitempty"`       // id of the registration officer; empty for an electronic check without one
	At           time.Time `json:"at"`                      // when the identity was verified
}

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	switch m {
	case IDCard, Passport, EID, QualifiedSignature, RegisterExtract:
		return true
	}
	return false
}

// ManualEntry reports whether the data was typed in by an officer from a
// document, so that a second officer must confirm it before it is used
// (four-eyes principle, TR ACM-FU §2.3). Data read electronically (eID,
// qualified signature) may be checked automatically.
func (m Method) ManualEntry() bool {
	return m == IDCard || m == Passport || m == RegisterExtract
}

// AllowedFor reports whether m may verify an account holder of kind k:
// identity documents and the eID for persons (TR ACM-FU §2.3.1), register
// and founding documents for organisations and authorities (§2.3.2), a
// qualified signature for all.
func (m Method) AllowedFor(k Kind) bool {
	switch m {
	case IDCard, Passport, EID:
		return k == Person
	case RegisterExtract:
		return k == Organisation || k == Authority
	case QualifiedSignature:
		return k.Valid()
	}
	return false
}

// CheckVerification checks a verification record of an account holder of
// the given kind, at time now: the method fits the kind, the document type
// is named for documents seen by an officer, a register extract is at most
// one month old, and an officer is named for every manual entry.
func CheckVerification(kind Kind, v Verification, now time.Time) error {
	if !kind.Valid() {
		return problem.Field("kind", "syntax", "Unknown account kind %q; use person, organisation or authority.", string(kind))
	}
	if v.Method == "" {
		return problem.Field("verification.method", "required", "Name the verification method.")
	}
	if !v.Method.Valid() {
		return problem.Field("verification.method", "syntax",
			"Unknown verification method %q; use id_card, passport, eid, qualified_signature or register_extract.", string(v.Method))
	}
	// DMG §3(3) Nr. 1, 2; TR ACM-FU §2.3.1, §2.3.2.
	if !v.Method.AllowedFor(kind) {
		return problem.Field("verification.method", "not_allowed",
			"The method %s does not verify an account of kind %s.", string(v.Method), string(kind))
	}

	// TR ACM-FU §2.3, §5.1: keep which document was seen.
	if err := checkText("verification.document_type", v.DocumentType, v.Method.ManualEntry()); err != nil {
		return err
	}

	// TR ACM-FU §2.3.2: the proof for an institution is at most one month old.
	if v.Method == RegisterExtract {
		if err := checkDocumentDate(v.DocumentDate, now); err != nil {
			return err
		}
	} else if v.DocumentDate != "" {
		if _, ok := parseDate(v.DocumentDate); !ok {
			return problem.Field("verification.document_date", "syntax", "Give the date as YYYY-MM-DD.")
		}
	}

	// TR ACM-FU §5.1, §5.3: the officer who handled a manual verification is
	// documented. An electronic check (eID, qualified signature) may run
	// without one (TR ACM-FU §2.3), but names one when there was one.
	if err := checkText("verification.officer", v.Officer, v.Method.ManualEntry()); err != nil {
		return err
	}

	// TR ACM-FU §2.3: the time of the last verification is stored.
	if v.At.IsZero() {
		return problem.Field("verification.at", "required", "Record when the identity was verified.")
	}
	if v.At.After(now) {
		return problem.Field("verification.at", "in_future", "The verification time lies in the future.")
	}
	return nil
}

// checkDocumentDate: a register extract's date, not in the future and at
// most one calendar month before today (TR ACM-FU §2.3.2).
func checkDocumentDate(s string, now time.Time) error {
	const field = "verification.document_date"
	if s == "" {
		return problem.Field(field, "required", "Give the date of the register extract.")
	}
	d, ok := parseDate(s)
	if !ok {
		return problem.Field(field, "syntax", "Give the date as YYYY-MM-DD, for example 2025-03-01.")
	}
	t := today(now)
	if d.After(t) {
		return problem.Field(field, "in_future", "The register extract's date %s lies in the future.", s)
	}
	if d.AddDate(0, 1, 0).Before(t) {
		return problem.Field(field, "too_old",
			"The register extract of %s is more than one month old; bring one at most one month old.", s)
	}
	return nil
}

// CheckConfirmer checks that the officer confirming a manual entry is not
// the one who entered it (four-eyes principle, TR ACM-FU §2.3). Officer ids
// compare without regard to case or surrounding spaces.
func CheckConfirmer(first, second string) error {
	if strings.TrimSpace(first) == "" {
		return problem.Field("officer", "required", "The verification names no first officer.")
	}
	if strings.TrimSpace(second) == "" {
		return problem.Field("officer", "required", "Name the confirming officer.")
	}
	if strings.EqualFold(strings.TrimSpace(first), strings.TrimSpace(second)) {
		return problem.Field("officer", "same_officer",
			"The data was entered by officer %s; a different officer must confirm it.", strings.TrimSpace(first))
	}
	return nil
}
