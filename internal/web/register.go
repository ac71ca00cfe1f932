package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
)

// register is the public application form (DMG §3(2); TR ACM-FU §2.2,
// §3.3). GET shows it for one kind of holder, chosen by plain links
// (?kind=person|organisation|authority), so it needs no script. POST lets
// the registration service check the entries and propose free addresses
// (SPEC Accounts: generated from the name); the proposals page keeps what
// was entered in hidden fields and applies at /register/apply
// (register_choose.go). Nothing is stored before that second step.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "register.title")
	if r.Method == http.MethodGet {
		kind := registerKindOf(r.URL.Query().Get("kind"))
		// Most applicants live in Germany; the country is still theirs to
		// change.
		p.Form = url.Values{"kind": {string(kind)}, "person.country": {"DE"}, "organisation.country": {"DE"}}
		s.showRegister(w, r, p, kind, http.StatusOK)
		return
	}
	kind := registerKindOf(r.PostFormValue("kind"))
	if r.PostFormValue("edit") != "" {
		// Back from the proposals to change an entry: nothing to check yet.
		s.showRegister(w, r, p, kind, http.StatusOK)
		return
	}
	app := registerApplication(r.PostForm)
	props, err := s.Reg.Propose(r.Context(), app, 5)
	if err == nil && len(props) == 0 {
		// Propose says so itself when it finds none; this only keeps the
		// page from offering an empty choice.
		err = problem.Field("name", "exhausted", "no free address for this name")
	}
	if err != nil {
		status := s.regProblem(p, err, "register", registerAlias(kind), registerFields(kind)...)
		s.showRegister(w, r, p, kind, status)
		return
	}
	s.showRegisterChoice(w, r, p, kind, props, http.StatusOK)
}

// registerData is what the form page shows.
type registerData struct {
	Kind                           account.Kind
	Kinds                          []registerKindChoice
	Person, Residence              []regInput
	Organisation, Seat, Register   []regInput
	Representatives, PseudonymName regInput
	// Problems repeats the fields' errors above the form, with links to
	// them: on a long form the first one may be far down.
	Problems []registerProblem
}

type registerProblem struct {
	ID, Label, Message string // Label is a message key
}

type registerKindChoice struct {
	Kind    account.Kind
	Label   string // message key
	Current bool
}

// IsPerson and IsAuthority choose the form's parts.
func (d registerData) IsPerson() bool    { return d.Kind == account.Person }
func (d registerData) IsAuthority() bool { return d.Kind == account.Authority }

func (s *Server) showRegister(w http.ResponseWriter, r *http.Request, p *Page, kind account.Kind, status int) {
	d := registerData{Kind: kind,
		Representatives: regInputs(p, registerRepresentativesSpec())[0],
		PseudonymName:   regInputs(p, registerPseudonymSpec())[0]}
	for _, k := range []account.Kind{account.Person, account.Organisation, account.Authority} {
		d.Kinds = append(d.Kinds, registerKindChoice{Kind: k, Label: "register.kind." + string(k), Current: k == kind})
	}
	if kind == account.Person {
		d.Person, d.Residence = regInputs(p, registerPersonSpecs()...), regInputs(p, registerResidenceSpecs()...)
	} else {
		d.Organisation, d.Seat, d.Register = regInputs(p, registerOrganisationSpecs()...), regInputs(p, registerSeatSpecs()...),
			regInputs(p, registerRegisterSpecs()...)
	}
	if len(p.Errors) > 0 {
		labels := map[string]string{"info_acknowledged": "register.consent.info", "malware_consent": "register.malware.title",
			"organisation.formal_service": "register.formal_service.short"}
		var specs []regInputSpec
		if kind == account.Person {
			specs = append(append(registerPersonSpecs(), registerResidenceSpecs()...), registerPseudonymSpec())
		} else {
			specs = append(append(append(registerOrganisationSpecs(), registerSeatSpecs()...), registerRegisterSpecs()...),
				registerRepresentativesSpec())
		}
		for _, f := range specs {
			labels[f.Name] = f.Label
		}
		for _, name := range registerFields(kind) {
			if msg := p.Errors[name]; msg != "" {
				d.Problems = append(d.Problems, registerProblem{ID: regInputID(name), Label: labels[name], Message: msg})
			}
		}
	}
	p.Data = d
	s.render(w, r, "register", p, status)
}

// registerKindOf is the kind a form or link names; a person when it names none
// the service knows.
func registerKindOf(v string) account.Kind {
	if k := account.Kind(v); k.Valid() {
		return k
	}
	return account.Person
}

// The form's fields, grouped as the page shows them. Names are the
// service's problem fields (account.PersonData.Validate and
// OrganisationData.Validate), so that a refusal finds its input.

// registerPersonSpecs: DMG §3(2) Nr. 1; TR ACM-FU §2.2.1 Tabelle 1.
func registerPersonSpecs() []regInputSpec {
	return []regInputSpec{
		// First names may be missing from a document (TR ACM-FU §2.1.1).
		{Name: "person.first_names", Label: "register.first_names", Hint: "register.first_names.hint", Auto: "given-name"},
		{Name: "person.surname", Label: "register.surname", Hint: "register.surname.hint", Auto: "family-name", Required: true},
		{Name: "person.birth_date", Label: "register.birth_date", Hint: "register.date.hint", Type: "date", Auto: "bday", Required: true},
		{Name: "person.birth_place", Label: "register.birth_place", Required: true},
	}
}

func registerResidenceSpecs() []regInputSpec { return registerAddressSpecs("person") }

func registerSeatSpecs() []regInputSpec { return registerAddressSpecs("organisation") }

func registerAddressSpecs(group string) []regInputSpec {
	return []regInputSpec{
		{Name: group + ".street", Label: "register.street", Auto: "address-line1", Required: true},
		{Name: group + ".postcode", Label: "register.postcode", Auto: "postal-code", Required: true},
		{Name: group + ".town", Label: "register.town", Hint: "register.town.hint", Auto: "address-level2", Required: true},
		{Name: group + ".country", Label: "register.country", Hint: "register.country.hint", Auto: "country", Required: true, Max: 2},
	}
}

// registerOrganisationSpecs: DMG §3(2) Nr. 2; TR ACM-FU §2.2.2 Tabelle 3.
func registerOrganisationSpecs() []regInputSpec {
	return []regInputSpec{
		{Name: "organisation.name", Label: "register.org_name", Hint: "register.org_name.hint", Auto: "organization", Required: true},
		{Name: "organisation.legal_form", Label: "register.legal_form", Hint: "register.legal_form.hint", Required: true},
	}
}

// registerRegisterSpecs: "soweit vorhanden" (DMG §3(2) Nr. 2): all three or none.
func registerRegisterSpecs() []regInputSpec {
	return []regInputSpec{
		{Name: "organisation.register_type", Label: "register.register_type", Hint: "register.register_type.hint", Optional: true},
		{Name: "organisation.register_place", Label: "register.register_place", Hint: "register.register_place.hint", Optional: true},
		{Name: "organisation.register_number", Label: "register.register_number", Hint: "register.register_number.hint", Optional: true},
	}
}

func registerRepresentativesSpec() regInputSpec {
	return regInputSpec{Name: "organisation.representatives", Label: "register.representatives",
		Hint: "register.representatives.hint", Required: true}
}

func registerPseudonymSpec() regInputSpec {
	return regInputSpec{Name: "pseudonym", Label: "register.pseudonym", Hint: "register.pseudonym.hint", Optional: true}
}

// registerFields are the fields of kind's form that an error can stand
// next to.
func registerFields(kind account.Kind) []string {
	var out []string
	add := func(specs ...regInputSpec) {
		for _, f := range specs {
			out = append(out, f.Name)
		}
	}
	if kind == account.Person {
		add(registerPersonSpecs()...)
		add(registerResidenceSpecs()...)
		add(registerPseudonymSpec())
	} else {
		add(registerOrganisationSpecs()...)
		add(registerSeatSpecs()...)
		add(registerRegisterSpecs()...)
		add(registerRepresentativesSpec())
		out = append(out, "organisation.formal_service")
	}
	return append(out, "info_acknowledged", "malware_consent")
}

// registerAlias names a problem's field as kind's form does: the address
// rules speak of the "name" the address is made from, and a list element
// stands next to the list.
func registerAlias(kind account.Kind) func(string) string {
	return func(f string) string {
		switch {
		case f == "name" || strings.HasPrefix(f, "name."):
			if kind == account.Person {
				return "person.surname"
			}
			return "organisation.name"
		case strings.HasPrefix(f, "pseudonym."):
			return "pseudonym"
		case strings.HasPrefix(f, "organisation.representatives["):
			return "organisation.representatives"
		}
		return f
	}
}

// registerApplication reads an application from a posted form. Entries are
// trimmed: the identity rules refuse surrounding spaces, which a browser
// user cannot see.
func registerApplication(f url.Values) registration.Application {
	get := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	app := registration.Application{Kind: account.Kind(f.Get("kind")),
		InfoAcknowledged: f.Get("info_acknowledged") == "yes", MalwareConsent: f.Get("malware_consent") == "yes"}
	if app.Kind == account.Person {
		app.Person = &account.PersonData{FirstNames: get("person.first_names"), Surname: get("person.surname"),
			BirthDate: get("person.birth_date"), BirthPlace: get("person.birth_place"), Street: get("person.street"),
			Postcode: get("person.postcode"), Town: get("person.town"), Country: strings.ToUpper(get("person.country"))}
		// The page shows the pn_ prefix before the input (TR ACM-FU
		// §2.1.1); one typed again is not part of the name.
		label := get("pseudonym")
		if len(label) >= 3 && strings.EqualFold(label[:3], "pn_") {
			label = label[3:]
		}
		app.Pseudonym = label
		return app
	}
	var reps []string
	for _, line := range strings.Split(f.Get("organisation.representatives"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			reps = append(reps, line)
		}
	}
	app.Organisation = &account.OrganisationData{Name: get("organisation.name"), LegalForm: get("organisation.legal_form"),
		Street: get("organisation.street"), Postcode: get("organisation.postcode"), Town: get("organisation.town"),
		Country: strings.ToUpper(get("organisation.country")), RegisterType: get("organisation.register_type"),
		RegisterPlace: get("organisation.register_place"), RegisterNumber: get("organisation.register_number"),
		Representatives: reps, FormalService: f.Get("organisation.formal_service") == "yes"}
	return app
}
