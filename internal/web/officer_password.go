package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// showInitialPassword shows the initial password of a just verified account: the
// credentials the officer hands over (SPEC Activation: credentials
// delivered; DMG §3(4) Nr. 2). It is shown this once, as the API returns
// it once: the store keeps only its hash, the response is not cached
// (render sets no-store), and the page is the answer to a POST, so no URL
// leads back to it.
func (s *Server) showInitialPassword(w http.ResponseWriter, r *http.Request, a *store.Account, password string) {
	p := s.officerPage(r, "officer.password.title")
	p.Data = officerPasswordData{ID: a.ID, Address: a.Address, Password: password}
	s.render(w, r, "officer_password", p, http.StatusOK)
}

type officerPasswordData struct{ ID, Address, Password string }
