package web

import (
	"net/http"
)

// passkeyAdd is the second step: the browser's new credential, stored
// under the name given.
func (s *Server) passkeyAdd(w http.ResponseWriter, r *http.Request) {
	rp, state, req, ok := s.passkeyAnswerOf(w, r, passkeyAddCookie, passkeyAddPath)
	if !ok {
		return
	}
	u := userOf(r)
	if _, err := s.Auth.AddPasskey(r.Context(), u, rp, state, req.Credential, req.Name); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	writePasskeyJSON(w, http.StatusOK, passkeyAnswer{Redirect: "/settings?done=passkey#passkeys"})
}
