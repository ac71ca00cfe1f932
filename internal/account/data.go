package account

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/problem"
)

// MaxFieldLen is the longest any identity attribute may be, in characters.
// No German identity document holds a longer name or place; the limit keeps
// forms, evidence documents and directory entries bounded (SPEC Accounts).
const MaxFieldLen = 200

// MaxAge is the oldest birth date accepted, in years before today.
const MaxAge = 150

// NoFirstName is how an identity document without a first name is recorded;
// it counts the same as an empty first name (TR ACM-FU §2.1.1).
const NoFirstName = "---"

// dateLayout is the calendar date format of birth dates and document dates.
const dateLayout = "2006-01-02"

// PersonData is the identity of a natural person, the mandatory attributes of
// DMG §3(2) Nr. 1 and TR ACM-FU §2.2.1 Tabelle 1. Every field is verified
// before the account opens (DMG §3(3)). (The name Person is the Kind.)
type PersonData struct {
	FirstNames string `json:"first_names"` // may be empty or "---" when the document shows none (TR ACM-FU §2.1.1)
	Surname    string `json:"surname"`     // including titles of nobility (TR ACM-FU Tabelle 1)
	BirthDate  string `json:"birth_date"`  // YYYY-MM-DD
	BirthPlace string `json:"birth_place"`
	Street     string `json:"street"` // street and number of the main residence
	Postcode   string `json:"postcode"`
	Town       string `json:"town"`    // including district, "Town – District"
	Country    string `json:"country"` // ISO 3166-1 alpha-2, upper case
}

// OrganisationData is the identity of a legal person, partnership or public body
// (an "institution"), DMG §3(2) Nr. 2 and TR ACM-FU §2.2.2 Tabelle 3, for
// accounts of kind Organisation or Authority.
type OrganisationData struct {
	Name      string `json:"name"`       // name or designation, including the short legal form ("Muster GmbH")
	LegalForm string `json:"legal_form"` // "GmbH", "eingetragener Verein", "Körperschaft des öffentlichen Rechts"
	Street    string `json:"street"`     // seat or head office
	Postcode  string `json:"postcode"`
	Town      string `json:"town"`
	Country   string `json:"country"` // ISO 3166-1 alpha-2, upper case

	// Register data, "soweit vorhanden" (DMG §3(2) Nr. 2): all three or none.
	RegisterType   string `json:"register_type"` // "Handelsregister B", "Vereinsregister" …
	RegisterPlace  string `json:"register_place"`
	RegisterNumber string `json:"register_number"`

	// Representatives are the names of the members of the representing body
	// or the legal representatives (DMG §3(2) Nr. 2).
	Representatives []string `json:"representatives"`

	// FormalService marks a public body entitled to formal service, which may
	// request pickup confirmations (DMG §5(9); TR ACM-FU Tabelle 3).
	FormalService bool `json:"formal_service"`
}

// Validate checks the person's data as entered at application or by an
// officer. now decides what "in the past" means; the date of now in its own
// location is today. It returns the first violation, with fields prefixed
// "person.".
func (p PersonData) Validate(now time.Time) error {
	// DMG §3(2) Nr. 1; TR ACM-FU §2.2.1 Tabelle 1.
	if p.FirstNames != NoFirstName {
		if err := checkText("person.first_names", p.FirstNames, false); err != nil {
			return err
		}
	}
	fields := []struct{ name, value string }{
		{"person.surname", p.Surname},
		{"person.birth_date", p.BirthDate},
		{"person.birth_place", p.BirthPlace},
		{"person.street", p.Street},
		{"person.postcode", p.Postcode},
		{"person.town", p.Town},
		{"person.country", p.Country},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.value, true); err != nil {
			return err
		}
	}
	if err := checkBirthDate("person.birth_date", p.BirthDate, now); err != nil {
		return err
	}
	if err := checkCountry("person.country", p.Country); err != nil {
		return err
	}
	return checkPostcode("person.postcode", p.Postcode, p.Country)
}

// Validate checks the organisation's data for an account of the given kind,
// which must be Organisation or Authority. It returns the first violation,
// with fields prefixed "organisation.".
func (o OrganisationData) Validate(kind Kind) error {
	if kind != Organisation && kind != Authority {
		return problem.Field("kind", "not_allowed",
			"Organisation data belongs to an account of kind organisation or authority, not %q.", string(kind))
	}
	// DMG §3(2) Nr. 2; TR ACM-FU §2.2.2 Tabelle 3: name, legal form and the
	// address of the seat or head office are mandatory.
	fields := []struct{ name, value string }{
		{"organisation.name", o.Name},
		{"organisation.legal_form", o.LegalForm},
		{"organisation.street", o.Street},
		{"organisation.postcode", o.Postcode},
		{"organisation.town", o.Town},
		{"organisation.country", o.Country},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.value, true); err != nil {
			return err
		}
	}
	if err := checkCountry("organisation.country", o.Country); err != nil {
		return err
	}
	if err := checkPostcode("organisation.postcode", o.Postcode, o.Country); err != nil {
		return err
	}

	// Register type, place and number "soweit vorhanden" (DMG §3(2) Nr. 2;
	// TR ACM-FU Tabelle 3): a partnership under civil law, a freelancer or a
	// public body has none (TR ACM-FU §2.3.2 Tabellen 5, 6). When any part is
	// given, all three are needed to find the entry.
	register := []struct{ name, value string }{
		{"organisation.register_type", o.RegisterType},
		{"organisation.register_place", o.RegisterPlace},
		{"organisation.register_number", o.RegisterNumber},
	}
	anyRegister := false
	for _, r := range register {
		if strings.TrimSpace(r.value) != "" {
			anyRegister = true
		}
	}
	for _, r := range register {
		if err := checkText(r.name, r.value, anyRegister); err != nil {
			if p := problem.As(err); p != nil && p.Code == "required" {
				p.Message = "Register type, place and number go together: give all three, or none when the organisation is not registered."
			}
			return err
		}
	}

	// DMG §3(2) Nr. 2: the names of the representatives are collected, so
	// there is at least one.
	if len(o.Representatives) == 0 {
		return problem.Field("organisation.representatives", "required",
			"Name at least one legal representative or member of the representing body.")
	}
	for i, r := range o.Representatives {
		if err := checkText(fmt.Sprintf("organisation.representatives[%d]", i), r, true); err != nil {
			return err
		}
	}

	// DMG §5(9): only a public body entitled to formal service may request
	// pickup confirmations (TR ACM-FU Tabelle 3).
	if o.FormalService && kind != Authority {
		return problem.Field("organisation.formal_service", "not_allowed",
			"Only an authority may be entitled to formal service.")
	}
	return nil
}

// DisplayName is the person's name as shown to readers: first names and
// surname, or the surname alone when the document shows no first name.
func (p PersonData) DisplayName() string {
	first := strings.TrimSpace(p.FirstNames)
	last := strings.TrimSpace(p.Surname)
	if first == "" || first == NoFirstName {
		return last
	}
	if last == "" {
		return first
	}
	return first + " " + last
}

// DisplayName is the organisation's name as shown to readers. The name
// already holds the short legal form where there is one (TR ACM-FU
// Tabelle 3), so the legal form is not appended.
func (o OrganisationData) DisplayName() string {
	return strings.TrimSpace(o.Name)
}

// checkText applies the rules every identity attribute shares: valid UTF-8,
// no control characters, at most MaxFieldLen characters and, when required,
// not blank.
func checkText(field, s string, required bool) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return problem.Field(field, "required", "This field is required.")
		}
		if s == "" {
			return nil
		}
		return problem.Field(field, "syntax", "This field holds only spaces; leave it empty instead.")
	}
	if !utf8.ValidString(s) {
		return problem.Field(field, "syntax", "This field is not valid UTF-8 text.")
	}
	if n := utf8.RuneCountInString(s); n > MaxFieldLen {
		return problem.Field(field, "too_long", "This field has %d characters; at most %d are allowed.", n, MaxFieldLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return problem.Field(field, "syntax", "This field contains a control character or line break.")
		}
	}
	if s != strings.TrimSpace(s) {
		return problem.Field(field, "syntax", "This field starts or ends with spaces.")
	}
	return nil
}

// parseDate parses a calendar date YYYY-MM-DD strictly.
func parseDate(s string) (time.Time, bool) {
	if len(s) != len(dateLayout) {
		return time.Time{}, false
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, false
	}
	return d, true
}

// today is the calendar date of now in now's location, as midnight UTC, so
// it compares with dates from parseDate.
func today(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkBirthDate: a real date, not after today and at most MaxAge years ago.
func checkBirthDate(field, s string, now time.Time) error {
	d, ok := parseDate(s)
	if !ok {
		return problem.Field(field, "syntax", "Give the date as YYYY-MM-DD, for example 1980-04-23.")
	}
	t := today(now)
	if d.After(t) {
		return problem.Field(field, "in_future", "The birth date %s lies in the future.", s)
	}
	if d.Before(t.AddDate(-MaxAge, 0, 0)) {
		return problem.Field(field, "too_old", "The birth date %s is more than %d years ago.", s, MaxAge)
	}
	return nil
}

// checkCountry: ISO 3166-1 alpha-2 syntax, two upper-case ASCII letters.
func checkCountry(field, s string) error {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return problem.Field(field, "syntax", "Give the country as its ISO 3166 two-letter code in capitals, for example DE.")
	}
	return nil
}

// checkPostcode: German postcodes have five digits; other countries' are
// only checked as text.
func checkPostcode(field, s, country string) error {
	if country != "DE" {
		return nil
	}
	if len(s) != 5 {
		return problem.Field(field, "syntax", "A German postcode has five digits.")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return problem.Field(field, "syntax", "A German postcode has five digits.")
		}
	}
	return nil
}
