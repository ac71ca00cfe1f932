package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

var errInternal = errors.New("internal error")

var statusOf = map[problem.Kind]int{
	problem.Invalid:      http.StatusBadRequest,
	problem.Unauthorized: http.StatusUnauthorized,
	problem.Forbidden:    http.StatusForbidden,
	problem.NotFound:     http.StatusNotFound,
	problem.Conflict:     http.StatusConflict,
	problem.TooLarge:     http.StatusRequestEntityTooLarge,
	problem.Locked:       http.StatusLocked,
	problem.TooMany:      http.StatusTooManyRequests,
	problem.Unavailable:  http.StatusServiceUnavailable,
}

func notFound() error {
	return problem.New(problem.NotFound, "", "not_found", "no such route")
}

// writeError answers with the problem in err, or a generic 500 whose detail goes
// only to the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.As(err)
	if p == nil && errors.Is(err, store.ErrUnavailable) {
		// A database restart or failover: nothing was committed unless the
		// commit itself was cut off, and the client should simply retry.
		logger(r).Warn("request failed: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "1")
		p = problem.New(problem.Unavailable, "", "unavailable",
			"the provider's database is unavailable for a moment; try again")
	}
	if p == nil && store.IsFull(err) {
		// At level error all the same: the operator must free space.
		logger(r).Error("request failed: out of storage space", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "60")
		p = problem.NoSpace(nil)
	}
	if p == nil {
		logger(r).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: "internal",
			Message: "the server could not complete the request; nothing was changed unless a later look shows otherwise"}})
		return
	}
	status := statusOf[p.Kind]
	if status == 0 {
		status = http.StatusBadRequest
	}
	if p.Cause != nil {
		logger(r).Info("request refused", "code", p.Code, "field", p.Field, "cause", p.Cause)
	}
	if p.Kind == problem.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="siegel"`)
	}
	writeJSON(w, status, ErrorBody{ErrorDetail{Code: p.Code, Message: p.Message, Field: p.Field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
