package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// registerStatus is an application's status page, for whoever holds its
// id: the applicant keeps the link, and brings the reference to the
// registration office. The id is 128 bits, 80 of them random, yet anyone
// who has it sees only the address and where the application stands, with
// what to do next; never the holder's data (the API's GET
// /api/v1/applications/{id} shows the same).
func (s *Server) registerStatus(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "register.status.title")
	acc, _, err := s.Reg.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		status := s.problemOf(p, err)
		if pr := problem.As(err); pr != nil && pr.Kind == problem.NotFound {
			// Said the same way whether the id never existed or was
			// mistyped.
			p.Error = p.T("register.status.unknown")
		}
		s.render(w, r, "error", p, status)
		return
	}
	if r.URL.Query().Get("new") == "1" {
		p.Notice = "register.status.received"
	}
	p.Data = registerStatusData{ID: acc.ID, Address: acc.Address, Status: acc.Status}
	s.render(w, r, "register_status", p, http.StatusOK)
}

// registerStatusData is all the status page shows.
type registerStatusData struct {
	ID, Address string
	Status      account.Status
}

// Step reports how far the application is, for the progress list: 1
// applied, 2 identity checked by one officer, 3 verified, 4 active.
func (d registerStatusData) Step() int {
	switch d.Status {
	case account.AwaitingConfirmation:
		return 2
	case account.Verified:
		return 3
	case account.Active:
		return 4
	}
	return 1
}

// Closed reports whether the account is closed, which ends the progress.
func (d registerStatusData) Closed() bool { return d.Status == account.Closed }

// Pending reports whether the applicant must still go to an officer.
func (d registerStatusData) Pending() bool { return d.Status == account.Pending }

// CanLogin reports whether the account has its credentials: verified, or
// active after the first login (DMG §3(4)).
func (d registerStatusData) CanLogin() bool {
	return d.Status == account.Verified || d.Status == account.Active
}
