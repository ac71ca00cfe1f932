package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// seedAccount is one account the demo opens, and how its identity is verified.
type seedAccount struct {
	app    registration.Application
	method account.Method
	doc    string
}

func seedAccounts(now time.Time) []seedAccount {
	return []seedAccount{
		{app: registration.Application{Kind: account.Authority, Organisation: &account.OrganisationData{
			Name: "Stadt Musterstadt", LegalForm: "Körperschaft des öffentlichen Rechts", Street: "Rathausplatz 1",
			Postcode: "12345", Town: "Musterstadt", Country: "DE",
			Representatives: []string{"Oberbürgermeisterin Dr. Petra Beispiel"}, FormalService: true}},
			method: account.QualifiedSignature},
		{app: registration.Application{Kind: account.Organisation, Organisation: &account.OrganisationData{
			Name: "Beispiel Versicherung", LegalForm: "AG", Street: "Domplatz 3", Postcode: "50667", Town: "Köln",
			Country: "DE", RegisterType: "HRB", RegisterPlace: "Amtsgericht Köln", RegisterNumber: "4711",
			Representatives: []string{"Max Vorstand"}}},
			method: account.RegisterExtract, doc: "Handelsregisterauszug"},
		{app: registration.Application{Kind: account.Person, Person: &account.PersonData{
			FirstNames: "Erika", Surname: "Mustermann", BirthDate: "1964-08-12", BirthPlace: "Berlin",
			Street: "Heidestraße 17", Postcode: "51147", Town: "Köln", Country: "DE"}},
			method: account.IDCard, doc: "Personalausweis"},
		{app: registration.Application{Kind: account.Person, Pseudonym: "leser", Person: &account.PersonData{
			FirstNames: "Jörg", Surname: "Weiß", BirthDate: "1990-02-01", BirthPlace: "Dresden",
			Street: "Königsbrücker Straße 5", Postcode: "01099", Town: "Dresden", Country: "DE"}},
			method: account.EID, doc: "Personalausweis (eID)"},
	}
}

// create makes the authority and the two providers' data folders.
func create(ctx context.Context, authDir string, nodes []*node, o Options) error {
	// The accreditation authority first: it issues the providers' seal
	// and TLS certificates and lists them in its trust list.
	if _, err := pki.Init(authDir, "Siegel Demo Authority", o.Clock.Now()); err != nil {
		return fmt.Errorf("demo authority: %w", err)
	}
	for _, n := range nodes {
		if _, err := provider.Init(ctx, provider.InitOptions{Dir: n.dir, Domain: n.domain, Name: n.name,
			Listen: "127.0.0.1:0", Authority: authDir, Now: o.Clock.Now()}); err != nil {
			return err
		}
		if _, err := provider.Bootstrap(ctx, n.dir, o.Log); err != nil {
			return err
		}
	}
	return nil
}

// seed opens the officers and accounts, A's for the authority and the
// company, B's for the citizens, and sends the letters; it returns
// demo.json's content without URLs.
func seed(ctx context.Context, nodes []*node, o Options) (*File, error) {
	f := &File{}
	officers := map[*node][]*store.Officer{}
	for _, n := range nodes {
		for i, name := range []string{"Anna Amtmann", "Ben Prüfer"} {
			off, token, err := n.p.Reg.AddOfficer(ctx, name, registration.RoleOfficer)
			if err != nil {
				return nil, err
			}
			tf := filepath.Join(n.dir, "keys", fmt.Sprintf("officer-%d.token", i+1))
			if err := os.WriteFile(tf, []byte(token+"\n"), 0o600); err != nil {
				return nil, err
			}
			officers[n] = append(officers[n], off)
			f.Officers = append(f.Officers, OfficerEntry{Name: name, TokenFile: tf, Provider: n.domain})
		}
	}
	sessions := map[string]*auth.Principal{}
	providers := map[string]*provider.Provider{}
	for i, s := range seedAccounts(o.Clock.Now()) {
		n := nodes[min(i/2, 1)] // two each
		s.app.InfoAcknowledged, s.app.MalwareConsent = true, true
		entry, pr, err := open(ctx, n, officers[n], s)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.app.Kind, err)
		}
		f.Accounts = append(f.Accounts, *entry)
		sessions[entry.Address], providers[entry.Address] = pr, n.p
	}
	if err := seedLetters(ctx, providers, f, sessions); err != nil {
		return nil, err
	}
	if err := seedBench(ctx, nodes, officers, f, o.BenchAccounts); err != nil {
		return nil, err
	}
	return f, nil
}

// open takes one account through application, verification (with a second
// officer for manual entries), TOTP enrolment and a first login.
func open(ctx context.Context, n *node, officers []*store.Officer, s seedAccount) (*AccountEntry, *auth.Principal, error) {
	p := n.p
	acc, err := p.Reg.Apply(ctx, s.app)
	if err != nil {
		return nil, nil, err
	}
	v := account.Verification{Method: s.method, DocumentType: s.doc}
	if s.method == account.RegisterExtract {
		v.DocumentDate = p.Clock.Now().AddDate(0, 0, -3).Format("2006-01-02")
	}
	res, err := p.Reg.Verify(ctx, officers[0], acc.ID, v)
	if err != nil {
		return nil, nil, err
	}
	if res.Password == "" {
		if res, err = p.Reg.Confirm(ctx, officers[1], acc.ID); err != nil {
			return nil, nil, err
		}
	}
	secret, _, err := account.NewTOTPSecret(n.name, acc.Address)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Auth.SetTOTPSecret(ctx, acc.ID, secret); err != nil {
		return nil, nil, err
	}
	// Log in with the password only: that activates the account without using
	// up the current TOTP code, which a newcomer may type a moment later. The
	// seeded letters are then sent as from a session at high.
	_, pr, err := p.Auth.Login(ctx, acc.Address, res.Password, "")
	if err != nil {
		return nil, nil, err
	}
	high := *pr.Session
	high.Level = account.High
	pr.Session = &high
	return &AccountEntry{Address: acc.Address, Password: res.Password, TOTPSecret: secret,
		Kind: string(acc.Kind), Provider: n.domain, Name: acc.DisplayName}, pr, nil
}

func seedLetters(ctx context.Context, providers map[string]*provider.Provider, f *File, sessions map[string]*auth.Principal) error {
	city, insurer, erika, reader := f.Accounts[0].Address, f.Accounts[1].Address, f.Accounts[2].Address, f.Accounts[3].Address
	letters := []struct {
		from string
		d    mailbox.Draft
	}{
		{city, mailbox.Draft{To: []string{erika}, Subject: "Grundsteuerbescheid 2027",
			Text: "Sehr geehrte Frau Mustermann,\n\nanbei erhalten Sie den Grundsteuerbescheid für 2027.\n" +
				"Dieser Bescheid wird förmlich zugestellt.\n\nMit freundlichen Grüßen\nStadt Musterstadt",
			Attachments: []letter.Attachment{{Filename: "Bescheid-2027.txt", ContentType: "text/plain; charset=utf-8",
				Data: []byte("Grundsteuer 2027: 312,00 EUR, fällig am 15.02.2027.\n")}},
			Options: letter.Options{PickupConfirmation: true, DispatchConfirmation: true, ReceiptConfirmation: true,
				PrivateID: "AZ 2026/0815-GrSt"}}},
		{insurer, mailbox.Draft{To: []string{erika}, Cc: []string{reader}, Subject: "Ihre Police Nr. 4711",
			Text:    "Guten Tag,\n\nanbei Ihre aktuelle Police.\n\nBeispiel Versicherung AG",
			Options: letter.Options{ReceiptConfirmation: true, PrivateID: "POL-4711"}}},
		{erika, mailbox.Draft{To: []string{city}, Subject: "Widerspruch gegen den Bescheid vom 1. März",
			Text:    "Sehr geehrte Damen und Herren,\n\nhiermit lege ich Widerspruch ein.\n\nErika Mustermann",
			Options: letter.Options{SenderConfirmed: true, DispatchConfirmation: true, ReceiptConfirmation: true}}},
		{reader, mailbox.Draft{To: []string{insurer}, Subject: "Anfrage zu Tarifen",
			Text: "Hallo,\n\nwelche Tarife bieten Sie an?\n\nViele Grüße"}},
	}
	for _, l := range letters {
		if _, err := providers[l.from].Mail.Submit(ctx, sessions[l.from], l.d); err != nil {
			return fmt.Errorf("seed letter %q: %w", l.d.Subject, err)
		}
	}
	return nil
}
