package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// regBrowser is a browser without script for the registration and officer
// tests: a cookie jar, the provider's certificate, and the CSRF token
// scraped from the last page's forms, as a browser would send it.
// regBrowser is the page tests' browser.
type regBrowser = webClient

func newRegBrowser(t *testing.T, e *pt.Env) *regBrowser { return newWebClient(t, e) }

// want checks a page's status and that it holds each text.
func (p *webPage) want(t *testing.T, status int, texts ...string) {
	t.Helper()
	if p.Status != status {
		t.Errorf("%s: status %d, want %d; body:\n%s", p.URL.Path, p.Status, status, regMain(p.Body))
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s: no %q in:\n%s", p.URL.Path, s, regMain(p.Body))
		}
	}
}

// lacks checks that a page holds none of texts.
func (p *webPage) lacks(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s: %q should not be there", p.URL.Path, s)
		}
	}
}

// input is the tag of the input named name, or "".
func (p *webPage) input(name string) string {
	re := regexp.MustCompile(`<(?:input|textarea)[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>`)
	return re.FindString(p.Body)
}

// value is what the input named name shows.
func (p *webPage) value(name string) string {
	m := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(p.input(name))
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// regMain is the page's main part, for messages.
func regMain(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, `</main>`); i >= 0 {
		body = body[:i]
	}
	return body
}

// regPerson is the form of a person's application.
func regPerson(first, last string) url.Values {
	return url.Values{"kind": {"person"}, "person.first_names": {first}, "person.surname": {last},
		"person.birth_date": {"1980-05-17"}, "person.birth_place": {"Bonn"}, "person.street": {"Hauptstraße 1"},
		"person.postcode": {"53111"}, "person.town": {"Bonn"}, "person.country": {"DE"},
		"info_acknowledged": {"yes"}, "malware_consent": {"yes"}}
}

// regApply takes a person's application through both steps of the form
// and returns the status page it ends on and the account's id.
func regApply(t *testing.T, b *regBrowser, form url.Values) (*webPage, string) {
	t.Helper()
	b.get("/register")
	props := b.post("/register", form)
	props.want(t, http.StatusOK, `name="address"`)
	form.Set("address", props.value("address")) // the checked, first one
	st := b.post("/register/apply", form)
	st.want(t, http.StatusOK)
	id := strings.TrimPrefix(st.URL.Path, "/register/")
	if id == "" || id == st.URL.Path {
		t.Fatalf("applying ended on %s", st.URL)
	}
	return st, id
}

// TestRegisterPerson: a person applies through the form. A missing
// surname is refused next to its field, in German, with everything else
// kept; then the proposals, with the entries in hidden fields; then the
// status page, which shows the address and status and nothing personal.
func TestRegisterPerson(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newRegBrowser(t, e)

	form := b.get("/register")
	form.want(t, http.StatusOK, `aria-current="page">Eine Person`, `name="person.surname"`, `name="info_acknowledged"`,
		`name="malware_consent"`, "Pflichtinformationen", "Schadsoftware", `name="pseudonym"`)
	if got := form.value("person.country"); got != "DE" {
		t.Errorf("the country starts as %q", got)
	}

	app := regPerson("Erika", "")
	bad := b.post("/register", app)
	bad.want(t, http.StatusBadRequest, `id="person-surname-error"`, "Bitte ausfüllen.")
	if tag := bad.input("person.surname"); !strings.Contains(tag, `aria-invalid="true"`) ||
		!strings.Contains(tag, `aria-describedby="person-surname-hint person-surname-error"`) {
		t.Errorf("the surname input is not marked invalid: %s", tag)
	}
	for name, want := range map[string]string{"person.first_names": "Erika", "person.street": "Hauptstraße 1",
		"person.birth_date": "1980-05-17", "person.town": "Bonn"} {
		if got := bad.value(name); got != want {
			t.Errorf("%s was not kept: %q", name, got)
		}
	}
	if !strings.Contains(bad.input("info_acknowledged"), "checked") {
		t.Error("the consent was not kept")
	}

	app.Set("person.surname", "Mustermann")
	props := b.post("/register", app)
	props.want(t, http.StatusOK, "erika.mustermann@"+e.Domain, `name="address"`, `formaction="/register"`,
		`<input type="hidden" name="person.surname" value="Mustermann">`, "Hauptstraße 1")
	// Back to the form: nothing lost.
	edit := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(props.Body, -1) {
		edit.Add(m[1], html.UnescapeString(m[2]))
	}
	edit.Set("edit", "1")
	back := b.post("/register", edit)
	back.want(t, http.StatusOK, `name="person.surname"`)
	if got := back.value("person.surname"); got != "Mustermann" {
		t.Errorf("after going back the surname is %q", got)
	}

	st, id := regApply(t, b, app)
	st.want(t, http.StatusOK, "Ihr Antrag ist eingegangen", "erika.mustermann@"+e.Domain, id,
		"Eingegangen – die Identität ist noch nicht geprüft", "Personalausweis oder Reisepass")
	// Anyone with the link sees this page: no personal data on it.
	other := newRegBrowser(t, e).get("/register/" + id)
	other.want(t, http.StatusOK, "erika.mustermann@"+e.Domain)
	other.lacks(t, "Mustermann</", "1980-05-17", "Hauptstraße", "Bonn", "Erika ")
	newRegBrowser(t, e).get("/register/0123456789abcdef0123456789abcdef").want(t, http.StatusNotFound,
		"Zu dieser Vorgangsnummer gibt es keinen Antrag")

	// The address is taken now: the same name gets the next one.
	again := newRegBrowser(t, e)
	again.get("/register")
	again.post("/register", regPerson("Erika", "Mustermann")).want(t, http.StatusOK, "erika.mustermann.2@"+e.Domain)
}

// TestRegisterPseudonymAndEnglish: a pseudonym is offered as the one
// address; a taken pseudonym is refused next to its field; English pages.
func TestRegisterPseudonymAndEnglish(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newRegBrowser(t, e)
	b.get("/register")
	b.post("/lang", url.Values{"lang": {"en"}, "back": {"/register"}}).want(t, http.StatusOK, "Apply for an account", "Your identity")
	app := regPerson("Max", "Muster")
	app.Set("pseudonym", "pn_Nachtfalter")
	props := b.post("/register", app)
	props.want(t, http.StatusOK, "Your future pseudonym address", "pn_nachtfalter@"+e.Domain)
	props.lacks(t, "max.muster@")
	regApply(t, b, app)

	b2 := newRegBrowser(t, e)
	b2.get("/register")
	app2 := regPerson("Moritz", "Muster")
	app2.Set("pseudonym", "nachtfalter")
	app2.Del("malware_consent")
	p := b2.post("/register", app2)
	// The first refusal the service finds: the consent.
	p.want(t, http.StatusBadRequest, `id="malware-consent-error"`, "Ohne Einwilligung")
	app2.Set("malware_consent", "yes")
	b2.post("/register", app2).want(t, http.StatusBadRequest, `id="pseudonym-error"`, "Dieses Pseudonym ist schon vergeben")
}

// TestRegisterAuthority: an authority's form has the representatives and
// formal service; a missing representative is refused next to the list.
func TestRegisterAuthority(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newRegBrowser(t, e)
	b.get("/register?kind=authority").want(t, http.StatusOK, `aria-current="page">Eine Behörde`,
		`name="organisation.representatives"`, `name="organisation.formal_service"`)
	app := url.Values{"kind": {"authority"}, "organisation.name": {"Stadt Bonn"},
		"organisation.legal_form": {"Gebietskörperschaft"}, "organisation.street": {"Markt 1"},
		"organisation.postcode": {"53111"}, "organisation.town": {"Bonn"}, "organisation.country": {"de"},
		"organisation.formal_service": {"yes"}, "info_acknowledged": {"yes"}, "malware_consent": {"yes"},
		"organisation.representatives": {"  \n "}}
	bad := b.post("/register", app)
	bad.want(t, http.StatusBadRequest, `id="organisation-representatives-error"`, "mindestens einen gesetzlichen Vertreter")
	if got := bad.value("organisation.name"); got != "Stadt Bonn" {
		t.Errorf("the name was not kept: %q", got)
	}
	app.Set("organisation.representatives", "Rita Vertreterin\nOtto Oberbürgermeister")
	app.Set("organisation.register_type", "Handelsregister B")
	b.post("/register", app).want(t, http.StatusBadRequest, `id="organisation-register-place-error"`, "alle drei oder keine")
	app.Del("organisation.register_type")
	props := b.post("/register", app)
	props.want(t, http.StatusOK, "stadt_bonn@"+e.Domain, "Rita Vertreterin, Otto Oberbürgermeister")
	st, _ := regApply(t, b, app)
	st.want(t, http.StatusOK, "stadt_bonn@"+e.Domain, "Registerauszug")
	st.lacks(t, "Rita Vertreterin")
}

// TestRegisterCSRF: a form posted without the page's token, or with
// another's, changes nothing.
func TestRegisterCSRF(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newRegBrowser(t, e)
	b.get("/register")
	app := regPerson("Ohne", "Token")
	app.Set("csrf", "x")
	b.post("/register", app).want(t, http.StatusForbidden, "zu lange offen")
	app.Set("csrf", strings.Repeat("A", 43))
	app.Set("address", "ohne.token@"+e.Domain)
	b.post("/register/apply", app).want(t, http.StatusForbidden)
	// Nothing was applied for: the address is still free.
	props, err := e.Public.Propose(context.Background(), pt.PersonApp("Ohne", "Token"))
	if err != nil {
		t.Fatal(err)
	}
	if len(props.Addresses) == 0 || props.Addresses[0] != "ohne.token@"+e.Domain {
		t.Errorf("after the refused posts the proposals are %v", props.Addresses)
	}
}
