package account

import (
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

var testNow = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)

func goodPerson() PersonData {
	return PersonData{
		FirstNames: "Erika Maria",
		Surname:    "Mustermann",
		BirthDate:  "1964-08-12",
		BirthPlace: "Berlin",
		Street:     "Heidestraße 17",
		Postcode:   "51147",
		Town:       "Köln",
		Country:    "DE",
	}
}

func TestPersonValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ä", MaxFieldLen) // 200 characters, 400 bytes
	tests := []struct {
		name  string
		edit  func(p *PersonData)
		field string
		code  string
	}{
		{"valid", func(p *PersonData) {}, "", ""},
		{"no first name", func(p *PersonData) { p.FirstNames = "" }, "", ""},
		{"first name dashes", func(p *PersonData) { p.FirstNames = "---" }, "", ""},
		{"first names blank", func(p *PersonData) { p.FirstNames = "  " }, "person.first_names", "syntax"},
		{"first names too long", func(p *PersonData) { p.FirstNames = long + "x" }, "person.first_names", "too_long"},
		{"first names control", func(p *PersonData) { p.FirstNames = "Erika\tMaria" }, "person.first_names", "syntax"},
		{"surname required", func(p *PersonData) { p.Surname = "" }, "person.surname", "required"},
		{"surname blank", func(p *PersonData) { p.Surname = " \t" }, "person.surname", "required"},
		{"surname 200 chars", func(p *PersonData) { p.Surname = long }, "", ""},
		{"surname 201 chars", func(p *PersonData) { p.Surname = long + "e" }, "person.surname", "too_long"},
		{"surname newline", func(p *PersonData) { p.Surname = "Muster\nmann" }, "person.surname", "syntax"},
		{"surname line separator", func(p *PersonData) { p.Surname = "Muster\u2028mann" }, "person.surname", "syntax"},
		{"surname NUL", func(p *PersonData) { p.Surname = "Muster\x00mann" }, "person.surname", "syntax"},
		{"surname bad utf8", func(p *PersonData) { p.Surname = "Muster\xffmann" }, "person.surname", "syntax"},
		{"surname leading space", func(p *PersonData) { p.Surname = " Mustermann" }, "person.surname", "syntax"},
		{"surname with title", func(p *PersonData) { p.Surname = "Freifrau von Mustermann-Özdemir" }, "", ""},
		{"birth date required", func(p *PersonData) { p.BirthDate = "" }, "person.birth_date", "required"},
		{"birth date german", func(p *PersonData) { p.BirthDate = "12.08.1964" }, "person.birth_date", "syntax"},
		{"birth date short", func(p *PersonData) { p.BirthDate = "1964-8-12" }, "person.birth_date", "syntax"},
		{"birth date impossible", func(p *PersonData) { p.BirthDate = "1963-02-29" }, "person.birth_date", "syntax"},
		{"birth date leap day", func(p *PersonData) { p.BirthDate = "1964-02-29" }, "", ""},
		{"birth date today", func(p *PersonData) { p.BirthDate = "2025-03-14" }, "", ""},
		{"birth date tomorrow", func(p *PersonData) { p.BirthDate = "2025-03-15" }, "person.birth_date", "in_future"},
		{"birth date 150 years", func(p *PersonData) { p.BirthDate = "1875-03-14" }, "", ""},
		{"birth date over 150 years", func(p *PersonData) { p.BirthDate = "1875-03-13" }, "person.birth_date", "too_old"},
		{"birth place required", func(p *PersonData) { p.BirthPlace = "" }, "person.birth_place", "required"},
		{"street required", func(p *PersonData) { p.Street = "" }, "person.street", "required"},
		{"postcode required", func(p *PersonData) { p.Postcode = "" }, "person.postcode", "required"},
		{"postcode DE four digits", func(p *PersonData) { p.Postcode = "5114" }, "person.postcode", "syntax"},
		{"postcode DE letters", func(p *PersonData) { p.Postcode = "5114a" }, "person.postcode", "syntax"},
		{"postcode GB", func(p *PersonData) { p.Postcode, p.Country = "SW1A 1AA", "GB" }, "", ""},
		{"town required", func(p *PersonData) { p.Town = "" }, "person.town", "required"},
		{"town with district", func(p *PersonData) { p.Town = "Köln – Porz" }, "", ""},
		{"country required", func(p *PersonData) { p.Country = "" }, "person.country", "required"},
		{"country lower case", func(p *PersonData) { p.Country = "de" }, "person.country", "syntax"},
		{"country alpha-3", func(p *PersonData) { p.Country = "DEU" }, "person.country", "syntax"},
		{"country digit", func(p *PersonData) { p.Country = "D1" }, "person.country", "syntax"},
		{"first error wins", func(p *PersonData) { p.Surname, p.Town = "", "" }, "person.surname", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := goodPerson()
			tt.edit(&p)
			check(t, p.Validate(testNow), problem.Invalid, tt.field, tt.code)
		})
	}
}

func TestPersonValidateTodayInLocation(t *testing.T) {
	t.Parallel()
	// 23:30 UTC on the 13th is already the 14th in Berlin: a child born
	// there on the 14th is not in the future.
	berlin, err := Berlin()
	wantOK(t, err)
	now := time.Date(2025, 3, 13, 23, 30, 0, 0, time.UTC).In(berlin)
	p := goodPerson()
	p.BirthDate = "2025-03-14"
	wantOK(t, p.Validate(now))
	wantProblem(t, p.Validate(now.UTC()), problem.Invalid, "person.birth_date", "in_future")
}

func goodOrganisation() OrganisationData {
	return OrganisationData{
		Name:            "Muster Software GmbH",
		LegalForm:       "GmbH",
		Street:          "Hauptstraße 1",
		Postcode:        "10115",
		Town:            "Berlin",
		Country:         "DE",
		RegisterType:    "Handelsregister B",
		RegisterPlace:   "Amtsgericht Charlottenburg",
		RegisterNumber:  "HRB 123456",
		Representatives: []string{"Erika Mustermann", "Max Mustermann"},
	}
}

func TestOrganisationValidate(t *testing.T) {
	t.Parallel()
	noRegister := func(o *OrganisationData) { o.RegisterType, o.RegisterPlace, o.RegisterNumber = "", "", "" }
	tests := []struct {
		name  string
		kind  Kind
		edit  func(o *OrganisationData)
		field string
		code  string
	}{
		{"valid organisation", Organisation, func(o *OrganisationData) {}, "", ""},
		{"valid authority", Authority, func(o *OrganisationData) {}, "", ""},
		{"kind person", Person, func(o *OrganisationData) {}, "kind", "not_allowed"},
		{"kind unknown", Kind("club"), func(o *OrganisationData) {}, "kind", "not_allowed"},
		{"name required", Organisation, func(o *OrganisationData) { o.Name = "" }, "organisation.name", "required"},
		{"name too long", Organisation, func(o *OrganisationData) { o.Name = strings.Repeat("x", 201) }, "organisation.name", "too_long"},
		{"name control", Organisation, func(o *OrganisationData) { o.Name = "Muster\rGmbH" }, "organisation.name", "syntax"},
		{"legal form required", Organisation, func(o *OrganisationData) { o.LegalForm = "" }, "organisation.legal_form", "required"},
		{"street required", Organisation, func(o *OrganisationData) { o.Street = "" }, "organisation.street", "required"},
		{"postcode required", Organisation, func(o *OrganisationData) { o.Postcode = "" }, "organisation.postcode", "required"},
		{"postcode DE", Organisation, func(o *OrganisationData) { o.Postcode = "101150" }, "organisation.postcode", "syntax"},
		{"town required", Organisation, func(o *OrganisationData) { o.Town = "" }, "organisation.town", "required"},
		{"country required", Organisation, func(o *OrganisationData) { o.Country = "" }, "organisation.country", "required"},
		{"country syntax", Organisation, func(o *OrganisationData) { o.Country = "Deutschland" }, "organisation.country", "syntax"},
		// DMG §3(2) Nr. 2: register data "soweit vorhanden".
		{"unregistered organisation", Organisation, noRegister, "", ""},
		{"unregistered authority", Authority, noRegister, "", ""},
		{"register type missing", Organisation, func(o *OrganisationData) { o.RegisterType = "" }, "organisation.register_type", "required"},
		{"register place missing", Organisation, func(o *OrganisationData) { o.RegisterPlace = "" }, "organisation.register_place", "required"},
		{"register number missing", Organisation, func(o *OrganisationData) { o.RegisterNumber = "" }, "organisation.register_number", "required"},
		{"register number only", Authority, func(o *OrganisationData) { noRegister(o); o.RegisterNumber = "1" }, "organisation.register_type", "required"},
		{"register number too long", Organisation, func(o *OrganisationData) { o.RegisterNumber = strings.Repeat("1", 201) }, "organisation.register_number", "too_long"},
		{"no representatives", Organisation, func(o *OrganisationData) { o.Representatives = nil }, "organisation.representatives", "required"},
		{"blank representative", Organisation, func(o *OrganisationData) { o.Representatives[1] = " " }, "organisation.representatives[1]", "required"},
		{"representative control", Authority, func(o *OrganisationData) { o.Representatives[0] = "Erika\x7f" }, "organisation.representatives[0]", "syntax"},
		{"formal service authority", Authority, func(o *OrganisationData) { o.FormalService = true }, "", ""},
		{"formal service organisation", Organisation, func(o *OrganisationData) { o.FormalService = true }, "organisation.formal_service", "not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := goodOrganisation()
			o.Representatives = append([]string(nil), o.Representatives...)
			tt.edit(&o)
			check(t, o.Validate(tt.kind), problem.Invalid, tt.field, tt.code)
		})
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    PersonData
		want string
	}{
		{PersonData{FirstNames: "Erika Maria", Surname: "Mustermann"}, "Erika Maria Mustermann"},
		{PersonData{FirstNames: "---", Surname: "Mustermann"}, "Mustermann"},
		{PersonData{FirstNames: "", Surname: "Mustermann"}, "Mustermann"},
		{PersonData{FirstNames: " Erika ", Surname: " Mustermann "}, "Erika Mustermann"},
	}
	for _, tt := range tests {
		if got := tt.p.DisplayName(); got != tt.want {
			t.Errorf("DisplayName(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
	if got := goodOrganisation().DisplayName(); got != "Muster Software GmbH" {
		t.Errorf("organisation DisplayName = %q", got)
	}
}
