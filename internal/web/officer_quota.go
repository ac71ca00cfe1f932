package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

// officerQuota gives an account's mailbox a storage quota of its own, or
// returns it to the provider's default (SPEC "Limits"): an authority that
// sends many letters keeps a copy of each in Sent, and needs more room
// than the default. The service records it in the account's history.
func (s *Server) officerQuota(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.account.title")
	a, err := s.Reg.SetQuota(r.Context(), officerOf(r), r.PathValue("id"), quotaForm(r.PostFormValue("mib")))
	if err != nil {
		s.showOfficerAccount(w, r, p, s.regProblem(p, err, "officer", nil, "mib"))
		return
	}
	http.Redirect(w, r, "/officer/account/"+url.PathEscape(a.ID)+"?done=quota_set", http.StatusSeeOther)
}

// officerQuotaData is the account page's storage section.
type officerQuotaData struct {
	Q   account.Quota
	Own bool // the account has a quota of its own, not the default
	MiB regInput
}

// officerQuotaSection reads what the account's mailbox holds; nil when the
// read fails, and the page shows the rest.
func (s *Server) officerQuotaSection(r *http.Request, p *Page, a *store.Account) *officerQuotaData {
	q, own, err := s.Mail.AccountQuota(r.Context(), a.ID)
	if err != nil {
		s.Log.Warn("web: mailbox usage unread", "account", a.ID, "err", err)
		return nil
	}
	d := &officerQuotaData{Q: q, Own: own}
	d.MiB = regInputs(p, regInputSpec{Name: "mib", Label: "officer.quota.mib", Hint: "officer.quota.mib.hint",
		Type: "number", Required: true})[0]
	if _, posted := p.Form["mib"]; !posted {
		if p.Form == nil {
			p.Form = url.Values{}
		}
		p.Form.Set("mib", strconv.FormatInt(q.Limit>>20, 10))
	}
	return d
}
