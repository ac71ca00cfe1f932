package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
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

// decode reads a JSON body into v, refusing unknown fields, trailing data and
// bodies over limit, with errors that name the field.
func decode(r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return problem.New(problem.Invalid, "", "content_type", "the body must be application/json")
	}
	body := http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return problem.Field("", "json", "the body must hold exactly one JSON object")
		}
		return nil
	}
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return problem.New(problem.TooLarge, "attachments", "too_large",
			"the request is larger than %d MiB", limit>>20)
	case errors.As(err, &syntaxErr):
		return problem.Field("", "json", "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		return problem.Field(typeErr.Field, "json_type", "%s must be a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	case errors.Is(err, io.EOF):
		return problem.Field("", "json", "the request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.Field("", "json", "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.Field(f, "unknown_field", "%s is not a field of this request", f)
	}
	return problem.Field("", "json", "malformed JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float") {
		return "number"
	}
	return fmt.Sprint(goKind)
}
