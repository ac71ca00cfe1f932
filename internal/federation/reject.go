package federation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
)

// RejectError is a permanent refusal: an SMTP 5xx reply with its enhanced
// status code (RFC 5321 §4.2.1, RFC 3463 §2). Both sides use it: a
// Deliverer returns one to have the server refuse, and Client.Send returns
// one when the peer refused, or when the domain is no accredited provider.
// The sender's provider must not try again; it tells its user instead.
// Every other error of this package is temporary (RFC 5321 §4.5.4.1: try
// again later).
type RejectError struct {
	Code     int    // 500 to 599
	Enhanced string // "5.1.1"; "" when the peer gave none
	Text     string
	// Rcpt is the recipient the peer refused at RCPT TO; "" when it
	// refused the message as a whole. The others were not refused, but
	// were not sent either: the transaction stopped there.
	Rcpt string
}

func (e *RejectError) Error() string {
	s := strconv.Itoa(e.Code)
	if e.Enhanced != "" {
		s += " " + e.Enhanced
	}
	s += " " + e.Text
	if e.Rcpt != "" {
		return fmt.Sprintf("refused <%s>: %s", e.Rcpt, s)
	}
	return "refused: " + s
}

// reply is the server's answer for e. A code or enhanced code outside the
// 5xx class becomes the generic one of that class, so that a Deliverer's
// slip cannot turn a refusal into a success or a retry; line breaks in the
// text would end the reply line early (RFC 5321 §4.2), so they become spaces.
func (e *RejectError) reply() *smtp.SMTPError {
	code := e.Code
	if code < 500 || code > 599 {
		code = 550
	}
	enh, ok := parseEnhanced(e.Enhanced)
	if !ok || enh[0] != 5 {
		enh = smtp.EnhancedCode{5, 0, 0}
	}
	text := strings.Join(strings.FieldsFunc(e.Text, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	if strings.TrimSpace(text) == "" {
		text = "Refused"
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: text}
}

// parseEnhanced reads class.subject.detail (RFC 3463 §2: class one digit,
// subject and detail one to three digits each).
func parseEnhanced(s string) (smtp.EnhancedCode, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, false
	}
	var c smtp.EnhancedCode
	for i, p := range parts {
		if p == "" || len(p) > 3 || (i == 0 && len(p) != 1) || strings.Trim(p, "0123456789") != "" {
			return smtp.EnhancedCode{}, false
		}
		c[i], _ = strconv.Atoi(p)
	}
	return c, c[0] == 2 || c[0] == 4 || c[0] == 5
}

// rejectOf is the RejectError of a 5xx reply the peer gave, or nil for any
// other reply.
func rejectOf(e *smtp.SMTPError, rcpt string) *RejectError {
	if e.Code < 500 || e.Code > 599 {
		return nil
	}
	r := &RejectError{Code: e.Code, Text: e.Message, Rcpt: rcpt}
	if c := e.EnhancedCode; c != smtp.EnhancedCodeNotSet && c != smtp.NoEnhancedCode {
		r.Enhanced = fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2])
	}
	return r
}
