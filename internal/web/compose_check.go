package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
)

// checkAnswer is the address check's answer, in the page's language.
type checkAnswer struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// composeCheck checks one address as the compose page's script types it
// (GET /compose/check?address=…&personal=1): whether Submit would take it
// as a recipient. mailbox.CheckAddress runs Submit's own checks, so the
// answer tells no more than sending would.
func (s *Server) composeCheck(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	w.Header().Set("Cache-Control", "no-store")
	u := s.principal(r)
	if u == nil {
		writeCheck(w, http.StatusUnauthorized, checkAnswer{Message: s.cat.t(lang, "compose.check.login")})
		return
	}
	q := r.URL.Query()
	addr := strings.TrimSpace(q.Get("address"))
	err := s.Mail.CheckAddress(r.Context(), u, addr, letter.Options{Personal: q.Get("personal") == "1"})
	if err == nil {
		writeCheck(w, http.StatusOK, checkAnswer{OK: true, Message: s.cat.t(lang, "compose.check.ok")})
		return
	}
	pr := problem.As(err)
	if pr == nil {
		s.Log.Error("web: address check", "err", err)
		writeCheck(w, http.StatusInternalServerError, checkAnswer{Message: s.cat.t(lang, "err.internal")})
		return
	}
	msg, ok := s.textOf(lang, []string{"compose.err.rcpt." + pr.Code, "compose.err." + pr.Code}, addr)
	if !ok {
		msg = pr.Message
	}
	// A refused address is an answer, not a failed request.
	writeCheck(w, http.StatusOK, checkAnswer{Message: msg})
}

func writeCheck(w http.ResponseWriter, status int, a checkAnswer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}
