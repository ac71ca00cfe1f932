package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// setForwarding sets or changes the holder's automatic forwarding (TR
// PVD-FU §3.1.3.2), at high.
func (s *Server) setForwarding(w http.ResponseWriter, r *http.Request) {
	var req ForwardingRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.Mail.SetForwarding(r.Context(), principal(r), req.Target, req.ExcludePersonal)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, forwardingOut(f))
}

// forwardingOut is a setting on the wire; nil is none.
func forwardingOut(f *store.Forwarding) Forwarding {
	if f == nil {
		return Forwarding{}
	}
	return Forwarding{Enabled: true, Target: f.Target, ExcludePersonal: f.ExcludePersonal,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}
