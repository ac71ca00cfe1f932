package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// regOfficer is a browser logged in to the officers' console with a fresh
// officer's token.
func regOfficer(t *testing.T, e *pt.Env, name string) *regBrowser {
	t.Helper()
	o, err := e.Operator.AddOfficer(context.Background(), name, "officer")
	if err != nil {
		t.Fatal(err)
	}
	b := newRegBrowser(t, e)
	login := b.get("/officer")
	login.want(t, http.StatusOK, `name="token"`)
	if login.URL.Path != "/officer/login" {
		t.Fatalf("without a token /officer went to %s", login.URL)
	}
	b.post("/officer/login", url.Values{"token": {o.Token}, "next": {"/officer"}}).want(t, http.StatusOK,
		"Warten auf Identitätsprüfung", name, `action="/officer/logout"`)
	return b
}

var regPassword = regexp.MustCompile(`id="initial-password">([^<]+)<`)

// TestOfficerFourEyes: an application through the form, verified by hand
// by one officer; the same officer's confirmation is refused, a second
// officer's gives the initial password, with which the citizen logs in at
// /login; then a block and its lifting, each with its reason in the
// history, and the account's closing after a confirmation step.
func TestOfficerFourEyes(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	citizen := newRegBrowser(t, e)
	_, id := regApply(t, citizen, regPerson("Erika", "Vieraugen"))
	addr := "erika.vieraugen@" + e.Domain

	one := regOfficer(t, e, "Olga Erste")
	home := one.get("/officer")
	home.want(t, http.StatusOK, addr, "Erika Vieraugen", "/officer/account/"+id)
	home.lacks(t, "/mail/") // officers never read letters
	// The lookup by address and by id.
	if p := one.get("/officer?q=" + url.QueryEscape(strings.ToUpper(addr))); p.URL.Path != "/officer/account/"+id {
		t.Errorf("the lookup by address went to %s", p.URL)
	}
	if p := one.get("/officer?q=" + id); p.URL.Path != "/officer/account/"+id {
		t.Errorf("the lookup by id went to %s", p.URL)
	}
	one.get("/officer?q=nobody@"+e.Domain).want(t, http.StatusNotFound, `id="q-error"`, "Kein Konto")

	acc := one.get("/officer/account/" + id)
	acc.want(t, http.StatusOK, "Vieraugen", "1980-05-17", "Hauptstraße 1", `action="/officer/account/`+id+`/verify"`,
		`value="id_card"`, `value="qualified_signature"`, "Beantragt", "Die Hash-Kette der Historie ist unversehrt")
	acc.lacks(t, `value="register_extract"`, "/mail/")

	// A manual method needs the document type: refused next to it.
	one.post("/officer/account/"+id+"/verify", url.Values{"verification.method": {"id_card"}}).want(t,
		http.StatusBadRequest, `id="verification-document-type-error"`, "Nennen Sie die Dokumentart")
	v := one.post("/officer/account/"+id+"/verify", url.Values{"verification.method": {"id_card"},
		"verification.document_type": {"Personalausweis"}})
	v.want(t, http.StatusOK, "Ein zweiter Beamter muss die Angaben jetzt bestätigen",
		"Identität erfasst – ein zweiter Registrierungsbeamter bestätigt sie", "Identität von Hand erfasst", "(Sie)",
		`action="/officer/account/`+id+`/confirm"`)
	v.lacks(t, `id="initial-password"`)
	if home := one.get("/officer"); !strings.Contains(home.Body[strings.Index(home.Body, "list-awaiting_confirmation"):], addr) {
		t.Error("the application is not listed as awaiting the second officer")
	}

	// Four eyes: not the same officer.
	same := one.post("/officer/account/"+id+"/confirm", url.Values{})
	same.want(t, http.StatusBadRequest, `id="confirm-error"`, "Sie haben diese Angaben selbst erfasst")
	same.lacks(t, `id="initial-password"`)

	two := regOfficer(t, e, "Otto Zweiter")
	conf := two.post("/officer/account/"+id+"/confirm", url.Values{})
	conf.want(t, http.StatusOK, `id="initial-password"`, addr, "nur dieses eine Mal")
	m := regPassword.FindStringSubmatch(conf.Body)
	if m == nil {
		t.Fatal("no initial password")
	}
	password := m[1]
	if got := conf.URL.Path; got != "/officer/account/"+id+"/confirm" {
		t.Errorf("the password page is at %s", got)
	}
	two.get("/officer/account/"+id).lacks(t, password)

	// The citizen logs in with it; the first login activates the account.
	citizen.get("/login")
	citizen.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	in := citizen.post("/login", url.Values{"address": {addr}, "password": {password}})
	citizen.c.CheckRedirect = nil
	if in.Status != http.StatusSeeOther {
		t.Fatalf("login with the initial password: %d\n%s", in.Status, regMain(in.Body))
	}
	citizen.get("/register/"+id).want(t, http.StatusOK, "Aktiv")

	// A block needs a reason; with one it is recorded.
	one.post("/officer/account/"+id+"/block", url.Values{"block": {"usage"}}).want(t, http.StatusBadRequest,
		`id="block-reason-error"`, "Eine Sperre braucht einen Grund")
	bl := one.post("/officer/account/"+id+"/block", url.Values{"block": {"usage"}, "block_reason": {"Zahlungsverzug laut Vertrag"}})
	bl.want(t, http.StatusOK, "Die Sperre ist gesetzt.", "Nutzungsbeschränkung", "Gesperrt", "Zahlungsverzug laut Vertrag")
	ub := one.post("/officer/account/"+id+"/block", url.Values{"block": {""}, "block_reason": {"Zahlung eingegangen"}})
	ub.want(t, http.StatusOK, "Die Sperre ist aufgehoben.", "Sperre aufgehoben", "Zahlung eingegangen", "Zahlungsverzug laut Vertrag")
	one.post("/officer/account/"+id+"/block", url.Values{"block": {"bogus"}}).want(t, http.StatusBadRequest, `id="block-error"`)

	// Closing: a reason, then a confirmation step.
	one.post("/officer/account/"+id+"/close", url.Values{}).want(t, http.StatusBadRequest, `id="close-reason-error"`)
	ask := one.post("/officer/account/"+id+"/close", url.Values{"close_reason": {"Kündigung des Inhabers"}})
	ask.want(t, http.StatusOK, "Soll das Konto "+addr+" wirklich aufgelöst werden?", `name="confirm" value="yes"`,
		`<input type="hidden" name="close_reason" value="Kündigung des Inhabers">`)
	if st := one.get("/officer/account/" + id); strings.Contains(st.Body, "Das Konto ist aufgelöst") {
		t.Error("the account closed before the confirmation")
	}
	done := one.post("/officer/account/"+id+"/close", url.Values{"close_reason": {"Kündigung des Inhabers"}, "confirm": {"yes"}})
	done.want(t, http.StatusOK, "Das Konto ist aufgelöst.", "Kündigung des Inhabers", "Die Daten des Inhabers sind mit der Auflösung gelöscht",
		"Die Hash-Kette der Historie ist unversehrt")
	done.lacks(t, "1980-05-17", `/close"`, `/block"`)
	citizen.get("/register/"+id).want(t, http.StatusOK, "Aufgelöst")
	if _, err := e.Public.Login(context.Background(), addr, password, ""); err == nil {
		t.Error("the closed account still logs in")
	}

	// Logging out forgets the token in this browser.
	out := one.post("/officer/logout", url.Values{})
	out.want(t, http.StatusOK)
	if p := one.get("/officer"); p.URL.Path != "/officer/login" {
		t.Errorf("after logout /officer went to %s", p.URL)
	}
}

// TestOfficerElectronicAndRegister: an electronic method completes at once
// and shows the password; a register extract needs its date.
func TestOfficerElectronicAndRegister(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := context.Background()
	person, err := e.Public.Apply(ctx, pt.PersonApp("Eva", "Elektronisch"))
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.Public.Apply(ctx, pt.OrgApp("organisation", "Muster GmbH", false))
	if err != nil {
		t.Fatal(err)
	}
	o := regOfficer(t, e, "Olga Einzeln")
	p := o.post("/officer/account/"+person.ID+"/verify", url.Values{"verification.method": {"eid"}})
	p.want(t, http.StatusOK, `id="initial-password"`, person.Address)

	acc := o.get("/officer/account/" + org.ID)
	acc.want(t, http.StatusOK, `value="register_extract"`, "Rita Vertreterin", "Handelsregisterauszug")
	acc.lacks(t, `value="id_card"`)
	bad := o.post("/officer/account/"+org.ID+"/verify", url.Values{"verification.method": {"register_extract"},
		"verification.document_type": {"Handelsregisterauszug"}, "verification.document_date": {"2026-12-01"}})
	bad.want(t, http.StatusBadRequest, `id="verification-document-date-error"`, "älter als einen Monat")
	if got := bad.value("verification.document_type"); got != "Handelsregisterauszug" {
		t.Errorf("the document type was not kept: %q", got)
	}
	o.post("/officer/account/"+org.ID+"/verify", url.Values{"verification.method": {"register_extract"},
		"verification.document_type": {"Handelsregisterauszug"}, "verification.document_date": {"2027-02-20"}}).want(t,
		http.StatusOK, "Ein zweiter Beamter muss")

	// Paging through a status.
	list := o.get("/officer?status=verified")
	list.want(t, http.StatusOK, person.Address, `aria-current="page">Geprüft, noch nicht aktiviert`)
	list.lacks(t, org.Address)
}

// TestOfficerLoginRefused: a wrong token is refused next to its field and
// opens nothing; a mailbox session is no officer's.
func TestOfficerLoginRefused(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newRegBrowser(t, e)
	b.get("/officer/login")
	p := b.post("/officer/login", url.Values{"token": {"sgo_falsch"}, "next": {"/officer"}})
	p.want(t, http.StatusUnauthorized, `id="token-error"`, "Dieses Token ist nicht gültig.")
	p.lacks(t, "sgo_falsch")
	b.post("/officer/login", url.Values{"token": {"sgl_irgendwas"}}).want(t, http.StatusUnauthorized, `id="token-error"`)
	b.post("/officer/login", url.Values{}).want(t, http.StatusBadRequest, `id="token-error"`)
	if p := b.get("/officer"); p.URL.Path != "/officer/login" {
		t.Errorf("after a refused token /officer went to %s", p.URL)
	}
	if p := b.get("/officer/account/0123"); p.URL.Path != "/officer/login" || p.URL.Query().Get("next") != "/officer/account/0123" {
		t.Errorf("an account page without a token went to %s", p.URL)
	}
	// An action without a token does nothing.
	if p := b.post("/officer/account/0123/close", url.Values{"close_reason": {"x"}, "confirm": {"yes"}}); p.URL.Path != "/officer/login" {
		t.Errorf("closing without a token went to %s", p.URL)
	}
	// A citizen's session opens no console.
	u := e.Open(pt.PersonApp("Bea", "Buerger"), false)
	c := newRegBrowser(t, e)
	c.get("/login")
	c.post("/login", url.Values{"address": {u.Address}, "password": {u.Password}})
	if p := c.get("/officer"); p.URL.Path != "/officer/login" {
		t.Errorf("a citizen's session reached %s", p.URL)
	}
	// The return address stays in the console.
	o, err := e.Operator.AddOfficer(context.Background(), "Olga", "officer")
	if err != nil {
		t.Fatal(err)
	}
	b.get("/officer/login")
	if p := b.post("/officer/login", url.Values{"token": {o.Token}, "next": {"/mail/inbox"}}); p.URL.Path != "/officer" {
		t.Errorf("the login sent the officer to %s", p.URL)
	}
}

// TestOfficerCSRF: an officer's action posted without the page's token is
// refused and changes nothing.
func TestOfficerCSRF(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	res, err := e.Public.Apply(context.Background(), pt.PersonApp("Carla", "Csrf"))
	if err != nil {
		t.Fatal(err)
	}
	o := regOfficer(t, e, "Olga")
	o.get("/officer/account/" + res.ID)
	o.post("/officer/account/"+res.ID+"/verify", url.Values{"csrf": {"forged"}, "verification.method": {"eid"}}).want(t,
		http.StatusForbidden)
	o.post("/officer/login", url.Values{"csrf": {"forged"}, "token": {"sgo_x"}}).want(t, http.StatusForbidden)
	if a, err := e.Public.Application(context.Background(), res.ID); err != nil || a.Status != "pending" {
		t.Errorf("after the forged post: %+v, %v", a, err)
	}
}
