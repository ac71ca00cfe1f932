package web

import (
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
)

// composeOption is one dispatch option on the compose page.
type composeOption struct {
	Name        string // the form field, and the field of the service's refusals
	Label, Help string // message keys: its name, and what it does in law
	Checked     bool
	// Disabled: the option is not open to this sender now; Reason (a
	// message key) says why, and StepUp is the way to a login at high
	// when that is all it takes.
	Disabled bool
	Reason   string
	StepUp   string
}

// composeOptions says, for each dispatch option, whether this sender may
// choose it now. letter.CheckOptions decides, the same rules Submit
// enforces (DMG §5; TR PVD-FU §3.3): personal, sender-confirmed and
// pickup need a login at high; sender-confirmed not from a pseudonym;
// pickup only for an authority entitled to formal service. A
// sender-confirmed letter also needs the provider's seal (TR PVD-IO
// §3.4).
func (s *Server) composeOptions(p *Page) []composeOption {
	u := p.User
	a := u.Account
	sender := letter.Sender{Address: a.Address, Kind: a.Kind, FormalService: a.FormalService,
		Pseudonym: a.Pseudonym, Level: u.Level()}
	var out []composeOption
	for _, o := range []struct {
		name string
		opts letter.Options
	}{
		{"personal", letter.Options{Personal: true}},
		{"sender_confirmed", letter.Options{SenderConfirmed: true}},
		{"dispatch_confirmation", letter.Options{DispatchConfirmation: true}},
		{"receipt_confirmation", letter.Options{ReceiptConfirmation: true}},
		{"pickup_confirmation", letter.Options{PickupConfirmation: true}},
	} {
		co := composeOption{Name: o.name, Label: "compose.opt." + o.name, Help: "compose.help." + o.name,
			Checked: p.Value(o.name) != ""}
		if pr := problem.As(letter.CheckOptions(sender, o.opts)); pr != nil {
			co.Disabled, co.Reason = true, "compose.why."+pr.Code
			if pr.Code == "login_level" {
				if a.SecondFactor() { // TOTP or a passkey
					co.StepUp = stepUpURL("/compose")
				} else {
					co.Reason = "compose.why.no_totp"
				}
			}
		} else if o.name == "sender_confirmed" && s.Mail.Seal == nil {
			co.Disabled, co.Reason = true, "compose.why.no_seal"
		}
		co.Checked = co.Checked && !co.Disabled
		out = append(out, co)
	}
	return out
}
