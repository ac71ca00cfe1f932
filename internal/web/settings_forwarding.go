package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// forwardingData is what the forwarding page shows.
type forwardingData struct {
	Setting *store.Forwarding // nil when none
	// Target and Exclude fill the form: the setting's, or what was
	// entered when the service refused it.
	Target  string
	Exclude bool
	// StepUp: the session is normal and the account has a second factor
	// to step up with; NoFactor: it has none, which setting needs.
	StepUp, NoFactor bool
}

// settingsForwarding is the holder's automatic forwarding (TR PVD-FU
// §3.1.3.2; DMG §5(11)): what is set, the form to set or change it (at
// high; the rules are mailbox.SetForwarding's) and the button to remove
// it (removeForwarding).
func (s *Server) settingsForwarding(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "forwarding.title")
	p.Notice = forwardingNotice(r.URL.Query().Get("done"))
	status := http.StatusOK
	if r.Method == http.MethodPost {
		_, err := s.Mail.SetForwarding(r.Context(), p.User, r.PostFormValue(mailbox.FieldTarget),
			r.PostFormValue("exclude_personal") == "yes")
		if err == nil {
			http.Redirect(w, r, "/settings/forwarding?done=set", http.StatusSeeOther)
			return
		}
		status = s.explain(p, err, forwardingKeys(err), []any{r.PostFormValue(mailbox.FieldTarget)}, mailbox.FieldTarget)
	}
	f, err := s.Mail.Forwarding(r.Context(), p.User)
	if err != nil {
		s.Log.Error("web: forwarding", "account", p.User.Account.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	a := p.User.Account
	d := &forwardingData{Setting: f, StepUp: a.SecondFactor() && p.User.Level() != account.High, NoFactor: !a.SecondFactor()}
	switch {
	case r.Method == http.MethodPost:
		d.Target, d.Exclude = r.PostFormValue(mailbox.FieldTarget), r.PostFormValue("exclude_personal") == "yes"
	case f != nil:
		d.Target, d.Exclude = f.Target, f.ExcludePersonal
	}
	p.Data = d
	s.render(w, r, "settings_forwarding", p, status)
}

// removeForwarding ends the holder's automatic forwarding, at any level
// (DMG §5(11): withdrawn at any time).
func (s *Server) removeForwarding(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "forwarding.title")
	if err := s.Mail.RemoveForwarding(r.Context(), p.User); err != nil {
		s.Log.Error("web: remove forwarding", "account", p.User.Account.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	http.Redirect(w, r, "/settings/forwarding?done=removed", http.StatusSeeOther)
}

// forwardingKeys are the message keys of a refusal, the field's first:
// forwarding.err.<field>.<code>, then forwarding.err.<code>.
func forwardingKeys(err error) []string {
	pr := problemField(err)
	if pr == nil {
		return nil
	}
	return []string{"forwarding.err." + pr[0] + "." + pr[1], "forwarding.err." + pr[1]}
}

// forwardingNotice is the message key of what a redirect says was done:
// only those known.
func forwardingNotice(done string) string {
	switch done {
	case "set", "removed":
		return "forwarding.done." + done
	}
	return ""
}
