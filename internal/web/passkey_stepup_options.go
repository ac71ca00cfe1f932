package web

import (
	"net/http"
)

// passkeyStepUpOptions is the first step of a step-up with a passkey.
func (s *Server) passkeyStepUpOptions(w http.ResponseWriter, r *http.Request) {
	rp, ok := s.passkeyRP(r)
	if !ok {
		s.passkeyFail(w, r, errPasskeyUnavailable())
		return
	}
	c, err := s.Auth.BeginPasskeyStepUp(r.Context(), userOf(r), rp)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	s.passkeyOptions(w, c, passkeyStepUpCookie, passkeyStepUpPath)
}
