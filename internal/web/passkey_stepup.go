package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/problem"
)

// passkeyStepUp is the second step: the browser's assertion, which makes
// the session high (auth.StepUpPasskey), and then the page it was for.
func (s *Server) passkeyStepUp(w http.ResponseWriter, r *http.Request) {
	rp, state, req, ok := s.passkeyAnswerOf(w, r, passkeyStepUpCookie, passkeyStepUpPath)
	if !ok {
		return
	}
	u := userOf(r)
	if err := s.Auth.StepUpPasskey(r.Context(), u, rp, state, req.Credential); err != nil {
		if pr := problem.As(err); pr == nil {
			s.Log.Error("web: passkey step-up", "account", u.Account.ID, "err", err)
		}
		s.passkeyFail(w, r, err)
		return
	}
	writePasskeyJSON(w, http.StatusOK, passkeyAnswer{Redirect: localPathOr(req.Next, "/mail/inbox")})
}
