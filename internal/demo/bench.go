package demo

import (
	"context"
	"fmt"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// benchQuota gives every mailbox of a demo run for siegel bench the
// largest quota: a letter with dispatch and receipt confirmation leaves
// about 16 KiB in its sender's mailbox (the sent copy and both
// confirmations), so the default 100 MiB ends a run after some 6,000
// letters with mailbox_full, and a full mailbox cannot send.
func benchQuota(dir string, benchAccounts int) error {
	if benchAccounts <= 0 {
		return nil
	}
	return provider.EditConfig(dir, func(c *provider.Config) {
		c.Limits.MailboxQuotaMiB = int(account.MaxQuota >> 20)
	})
}

// seedBench opens n companies at A, the senders of siegel bench, and n
// citizens at B, its recipients, each with TOTP so that the senders log in
// at high: a sender at normal may send 100 letters a day (TR PVD-FU
// §3.1.1.1). They follow the four tour accounts in demo.json, so that the
// tour's indexes stay as they are.
func seedBench(ctx context.Context, nodes []*node, officers map[*node][]*store.Officer, f *File, n int) error {
	for i := 1; i <= n; i++ {
		for side, s := range []seedAccount{
			{app: registration.Application{Kind: account.Organisation, Organisation: &account.OrganisationData{
				Name: fmt.Sprintf("Lastprobe %d", i), LegalForm: "GmbH", Street: "Messweg 1", Postcode: "10115",
				Town: "Berlin", Country: "DE", RegisterType: "HRB", RegisterPlace: "Amtsgericht Charlottenburg",
				RegisterNumber: fmt.Sprintf("9%04d", i), Representatives: []string{"Lena Last"}}},
				method: account.RegisterExtract, doc: "Handelsregisterauszug"},
			{app: registration.Application{Kind: account.Person, Person: &account.PersonData{
				FirstNames: "Emil", Surname: fmt.Sprintf("Empfang%d", i), BirthDate: "1985-03-04", BirthPlace: "Bonn",
				Street: "Postweg 2", Postcode: "53111", Town: "Bonn", Country: "DE"}},
				method: account.IDCard, doc: "Personalausweis"},
		} {
			nd := nodes[side]
			s.app.InfoAcknowledged, s.app.MalwareConsent = true, true
			entry, _, err := open(ctx, nd, officers[nd], s)
			if err != nil {
				return fmt.Errorf("seed bench account %d: %w", i, err)
			}
			f.Accounts = append(f.Accounts, *entry)
		}
	}
	return nil
}
