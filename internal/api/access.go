package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func (s *Server) requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r.Context(), bearer(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), keyPrincipal, p)
		ctx = context.WithValue(ctx, keyLog, logger(r).With("account", p.Account.ID))
		next(w, r.WithContext(ctx))
	}
}

func (s *Server) requireOfficer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := s.Auth.Officer(r.Context(), bearer(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), keyOfficer, o)
		ctx = context.WithValue(ctx, keyLog, logger(r).With("officer", o.ID))
		next(w, r.WithContext(ctx))
	}
}

func principal(r *http.Request) *auth.Principal {
	return r.Context().Value(keyPrincipal).(*auth.Principal)
}

func officer(r *http.Request) *store.Officer {
	return r.Context().Value(keyOfficer).(*store.Officer)
}

// smallBody bounds requests without attachments.
const smallBody = 1 << 20

func requireOperator(o *store.Officer) error {
	if o.Role != "operator" {
		return problem.New(problem.Forbidden, "", "operator_only", "only an operator may do this")
	}
	return nil
}
