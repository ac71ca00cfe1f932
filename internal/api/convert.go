package api

import (
	"encoding/json"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

func accountOut(a *store.Account) Account {
	return Account{ID: a.ID, Address: a.Address, Kind: string(a.Kind), DisplayName: a.DisplayName,
		Pseudonym: a.Pseudonym, FormalService: a.FormalService, Status: string(a.Status),
		Block: string(a.Block), TOTPEnabled: a.TOTPEnabled}
}

func adminAccountOut(a *store.Account) AdminAccount {
	out := AdminAccount{Account: accountOut(a), BlockReason: a.BlockReason, CreatedAt: a.CreatedAt,
		VerifiedAt: a.VerifiedAt, ActivatedAt: a.ActivatedAt, ClosedAt: a.ClosedAt}
	if len(a.Holder) > 0 {
		out.Holder = wireHolder(a)
	}
	if len(a.Verification) > 0 {
		var v account.Verification
		if json.Unmarshal(a.Verification, &v) == nil {
			out.Verification = &Verification{Method: string(v.Method), DocumentType: v.DocumentType,
				DocumentDate: v.DocumentDate, Officer: v.Officer, At: v.At, ConfirmedBy: a.ConfirmedBy,
				ConfirmedAt: a.ConfirmedAt}
		}
	}
	return out
}

// wireHolder re-encodes stored holder data with the API's field names.
func wireHolder(a *store.Account) json.RawMessage {
	var v any
	if a.Kind == account.Person {
		var p account.PersonData
		if json.Unmarshal(a.Holder, &p) != nil {
			return nil
		}
		v = Person{p.FirstNames, p.Surname, p.BirthDate, p.BirthPlace, p.Street, p.Postcode, p.Town, p.Country}
	} else {
		var o account.OrganisationData
		if json.Unmarshal(a.Holder, &o) != nil {
			return nil
		}
		v = Organisation{o.Name, o.LegalForm, o.Street, o.Postcode, o.Town, o.Country, o.RegisterType,
			o.RegisterPlace, o.RegisterNumber, o.Representatives, o.FormalService}
	}
	b, _ := json.Marshal(v)
	return b
}

func sessionOut(p *store.Session, a *store.Account, token string) Session {
	return Session{Token: token, Level: string(p.Level), ExpiresAt: p.ExpiresAt, Account: accountOut(a)}
}

func optionsOut(l *store.Letter) *Options {
	return &Options{Personal: l.Personal, SenderConfirmed: l.SenderConfirmed,
		DispatchConfirmation: l.DispatchConfirmation, ReceiptConfirmation: l.ReceiptConfirmation,
		PickupConfirmation: l.PickupConfirmation, PrivateID: l.PrivateID}
}

// summaryOut shows a copy in a listing; a personal letter at normal shows its
// sender and arrival time only (TR PVD-FU §3.3.2).
func summaryOut(c *store.Copy, level account.Level) LetterSummary {
	l := c.Letter
	s := LetterSummary{ID: c.ID, Folder: string(c.Folder), From: l.SenderAddress, Arrived: c.Arrived,
		Personal: l.Personal, Read: !c.FirstRead.IsZero(), CopyOf: c.Origin}
	if mailbox.Hidden(c, level) {
		s.ContentHidden = true
		return s
	}
	s.Subject, s.Options, s.Attachments, s.SenderLevel = l.Subject, optionsOut(l), l.Attachments, string(l.AuthLevel)
	return s
}
