package mailbox

import (
	"context"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// CheckAddress tells a sender who is composing a letter whether Submit
// would take raw as a recipient of a letter with options o: nil, or the
// problem Submit would answer, field "address". It runs Submit's own
// checks (the sender may send, the syntax, then resolve: an account here
// that can receive, or an accredited provider's domain), so it tells no
// more than a submission would: a recipient_level refusal only to a
// sender at high, who alone may send personal letters (CheckOptions
// refuses the others first).
func (s *Service) CheckAddress(ctx context.Context, p *auth.Principal, raw string, o letter.Options) error {
	if err := account.CanSend(p.Account.Status, p.Account.Block); err != nil {
		return err
	}
	a, err := address.Parse(raw)
	if err != nil {
		return problem.WithField(err, "address")
	}
	if o = o.Normalize(); o.Personal && !p.Level().AtLeast(account.High) {
		o = letter.Options{}
	}
	r := []recipient{{addr: a.String(), role: "to", field: "address"}}
	return s.Store.View(ctx, func(tx store.Tx) error { return s.resolve(tx, o, r) })
}
