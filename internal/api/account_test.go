package api_test

import (
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

func TestApplicationAddressesAndCollisions(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	app := pt.PersonApp("Jürgen", "Groß-Schäfer")
	props := must[*api.ProposalsResponse](t)(e.Public.Propose(ctx, app))
	want := "juergen.gross-schaefer@" + pt.Domain
	if len(props.Addresses) == 0 || props.Addresses[0] != want {
		t.Fatalf("proposals %v, want first %s", props.Addresses, want)
	}
	a1 := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, app))
	if a1.Address != want || a1.Status != "pending" || a1.Kind != "person" {
		t.Fatalf("application %+v", a1)
	}
	// The same name again collides and gets the next number (SPEC: first.last[.N]).
	a2 := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, app))
	if a2.Address != "juergen.gross-schaefer.2@"+pt.Domain {
		t.Fatalf("second address %s", a2.Address)
	}
	// A chosen address must be one of the proposals.
	bad := pt.PersonApp("Jürgen", "Groß-Schäfer")
	bad.Address = "the.boss@" + pt.Domain
	_, err := e.Public.Apply(ctx, bad)
	wantErr(t, err, 400, "not_proposed", "address")

	ps := pt.PersonApp("Jörg", "Weiß")
	ps.Pseudonym = "Leser"
	a3 := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, ps))
	if a3.Address != "pn_leser@"+pt.Domain || !a3.Pseudonym {
		t.Fatalf("pseudonym application %+v", a3)
	}
	_, err = e.Public.Apply(ctx, ps)
	wantErr(t, err, 400, "taken", "pseudonym")

	got := must[*api.ApplicationResponse](t)(e.Public.Application(ctx, a1.ID))
	if got.Address != a1.Address || got.Status != "pending" {
		t.Fatalf("status lookup %+v", got)
	}
	_, err = e.Public.Application(ctx, "00000000000000000000000000000000")
	wantErr(t, err, 404, "not_found", "account")
}

func TestApplicationBadInput(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	cases := []struct {
		name   string
		mod    func(*api.ApplicationRequest)
		code   string
		field  string
		status int
	}{
		{"no consent to scanning", func(a *api.ApplicationRequest) { a.MalwareConsent = false }, "required", "malware_consent", 400},
		{"info not acknowledged", func(a *api.ApplicationRequest) { a.InfoAcknowledged = false }, "required", "info_acknowledged", 400},
		{"unknown kind", func(a *api.ApplicationRequest) { a.Kind = "robot" }, "invalid", "kind", 400},
		{"no surname", func(a *api.ApplicationRequest) { a.Person.Surname = "" }, "required", "person.surname", 400},
		{"bad birth date", func(a *api.ApplicationRequest) { a.Person.BirthDate = "17.05.1980" }, "syntax", "person.birth_date", 400},
		{"organisation data for a person", func(a *api.ApplicationRequest) { a.Organisation = &api.Organisation{Name: "X"} }, "not_allowed", "organisation", 400},
	}
	for _, c := range cases {
		app := pt.PersonApp("Anna", "Beispiel")
		c.mod(app)
		_, err := e.Public.Apply(ctx, app)
		t.Run(c.name, func(t *testing.T) { wantErr(t, err, c.status, c.code, c.field) })
	}
	// Nothing was created by the refused applications.
	l := must[*api.AccountList](t)(e.Officer1.Accounts(ctx, "", "", 100))
	if len(l.Accounts) != 0 {
		t.Fatalf("refused applications left %d accounts", len(l.Accounts))
	}
	org := pt.OrgApp("organisation", "Firma", true)
	_, err := e.Public.Apply(ctx, org)
	wantErr(t, err, 400, "not_allowed", "organisation.formal_service")
	ps := pt.OrgApp("authority", "Amt", true)
	ps.Pseudonym = "amt"
	_, err = e.Public.Apply(ctx, ps)
	wantErr(t, err, 400, "not_allowed", "pseudonym")
}

func TestVerificationFourEyesAndActivation(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	app := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, pt.PersonApp("Erika", "Mustermann")))
	// Pending accounts cannot log in.
	_, err := e.Public.Login(ctx, app.Address, "whatever-password-1", "")
	wantErr(t, err, 401, "bad_credentials", "password")

	// Identity card seen and typed in by hand: a second officer must confirm.
	v := must[*api.VerifyResponse](t)(e.Officer1.Verify(ctx, app.ID, &api.VerifyRequest{Method: "id_card", DocumentType: "Personalausweis"}))
	if v.Account.Status != "awaiting_confirmation" || v.InitialPassword != "" {
		t.Fatalf("after manual verification: %+v", v)
	}
	if v.Account.Verification == nil || v.Account.Verification.Method != "id_card" || v.Account.Verification.Officer == "" || v.Account.Verification.At.IsZero() {
		t.Fatalf("verification not recorded: %+v", v.Account.Verification)
	}
	_, err = e.Officer1.Confirm(ctx, app.ID)
	wantErr(t, err, 400, "same_officer", "officer")
	c := must[*api.VerifyResponse](t)(e.Officer2.Confirm(ctx, app.ID))
	if c.Account.Status != "verified" || c.InitialPassword == "" || c.Account.Verification.ConfirmedBy == "" {
		t.Fatalf("after confirmation: %+v", c)
	}
	_, err = e.Officer2.Confirm(ctx, app.ID)
	wantErr(t, err, 409, "not_awaiting_confirmation", "status")

	// A register extract is for organisations, not persons.
	other := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, pt.PersonApp("Otto", "Normal")))
	_, err = e.Officer1.Verify(ctx, other.ID, &api.VerifyRequest{Method: "register_extract", DocumentType: "HR", DocumentDate: "2027-03-01"})
	wantErr(t, err, 400, "not_allowed", "verification.method")

	// The first successful login activates the account.
	s := must[*api.Session](t)(e.Public.Login(ctx, app.Address, c.InitialPassword, ""))
	if s.Level != "normal" || s.Account.Status != "active" {
		t.Fatalf("first login: %+v", s)
	}
	d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, app.ID))
	if !d.HistoryIntact {
		t.Fatal("history chain does not verify")
	}
	var actions []string
	for _, h := range d.History {
		actions = append(actions, h.Action)
	}
	want := []string{"applied", "identity_verified_manual", "identity_confirmed", "activated"}
	if len(actions) != len(want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("history %v, want %v", actions, want)
		}
	}
	// Users cannot use the admin API, officers cannot use the user API.
	_, err = e.Public.With(s.Token).Accounts(ctx, "", "", 10)
	wantErr(t, err, 401, "unauthenticated", "")
	_, err = e.Officer1.List(ctx, "inbox", 10, "")
	wantErr(t, err, 401, "unauthenticated", "")
	_, err = e.Officer1.AddOfficer(ctx, "Mallory", "operator")
	wantErr(t, err, 403, "operator_only", "")
}
