package web

import (
	"net/http"
)

// passkeyAddOptions is the first step of adding a passkey in the
// settings.
func (s *Server) passkeyAddOptions(w http.ResponseWriter, r *http.Request) {
	rp, ok := s.passkeyRP(r)
	if !ok {
		s.passkeyFail(w, r, errPasskeyUnavailable())
		return
	}
	c, err := s.Auth.BeginPasskeyRegistration(r.Context(), userOf(r), rp)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	s.passkeyOptions(w, c, passkeyAddCookie, passkeyAddPath)
}
