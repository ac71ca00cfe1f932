// Package problem is the error that may be shown to a user: which field broke which
// rule, in words a person or a script can act on. Everything else an error carries
// (the wrapped cause) is for the log only. The API maps Kind to an HTTP status and
// the CLI prints Message; neither ever shows the cause.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies a problem the way a client must react to it.
type Kind int

// Kinds of problems, each answered with its own HTTP status.
const (
	Invalid      Kind = iota + 1 // 400: the request breaks a rule; fix it
	Unauthorized                 // 401: no valid session or credentials
	Forbidden                    // 403: this account or level may not do this
	NotFound                     // 404
	Conflict                     // 409: the state does not allow it now
	TooLarge                     // 413
	Locked                       // 423: login locked after failures
	TooMany                      // 429: a limit is reached
	Unavailable                  // 503: temporary; retry later
)

// Error is a user-facing error.
type Error struct {
	Kind    Kind
	Code    string // stable, machine-readable: "required", "too_long", "login_level" …
	Field   string // the request field that broke the rule, "" when none
	Message string // one sentence for a person
	Cause   error  // detail for the log; never shown
}

func (e *Error) Error() string {
	s := e.Message
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Cause != nil {
		s += " (" + e.Cause.Error() + ")"
	}
	return s
}

// Unwrap gives the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New makes a problem of kind k.
func New(k Kind, field, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Field makes an Invalid problem naming field and rule.
func Field(field, code, format string, args ...any) *Error {
	return New(Invalid, field, code, format, args...)
}

// As returns the problem in err's chain, or nil.
func As(err error) *Error {
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// WithField returns a copy of the problem in err with its field set (prefixed when
// the problem already names a sub-field), or err unchanged when it holds none.
func WithField(err error, field string) error {
	p := As(err)
	if p == nil {
		return err
	}
	c := *p
	if c.Field == "" {
		c.Field = field
	} else {
		c.Field = field + "." + c.Field
	}
	return &c
}
