package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
)

// Passkeys in the pages (auth/passkey.go has the rules). A ceremony is two
// requests of passkey.js: the options for navigator.credentials.create or
// .get, then the browser's answer, each a POST with the CSRF token in the
// X-CSRF-Token header. The ceremony's state, sealed by auth and bound to
// the session, waits in between in a short-lived cookie of its own
// (HttpOnly, SameSite=Strict, only sent to the ceremony's paths), so that
// any node of the provider can take the answer.

// The ceremonies' cookies, and the paths they are sent to.
const (
	passkeyAddCookie    = "siegel_passkey_add"
	passkeyAddPath      = "/settings/passkeys"
	passkeyStepUpCookie = "siegel_passkey_stepup"
	passkeyStepUpPath   = "/stepup/passkey"
)

// maxPasskeyRequest bounds the JSON of a browser's answer: a few
// kilobytes, far less with the "none" attestation asked for.
const maxPasskeyRequest = 64 << 10

// passkeyRP is the relying party of the request's page, and whether
// passkeys work there. The configured public URL decides when its host is
// a name: passkeys belong to that name, and a page reached at another host
// or port offers none (a passkey made there would not work at the
// provider's name, and the origin would not match). When the public URL's
// host is an IP address (siegel init's default, https://127.0.0.1:8443,
// for a provider on one machine), there is no name to bind to, and the
// host the browser asked for is the relying party, if it is a name
// (WebAuthn allows no IP addresses): "localhost", say. The browser sets
// that Host itself, and what the authenticator signs names the same RP ID
// and origin, which auth checks against the ceremony's state.
func (s *Server) passkeyRP(r *http.Request) (auth.PasskeyRP, bool) {
	if u, err := url.Parse(s.PublicURL); err == nil && u.Hostname() != "" && net.ParseIP(u.Hostname()) == nil {
		origin := webOrigin(u.Scheme, u.Host)
		scheme := "https"
		if !s.Secure && r.TLS == nil {
			scheme = "http"
		}
		rp := auth.PasskeyRP{ID: strings.ToLower(u.Hostname()), Origin: origin}
		return rp, webOrigin(scheme, r.Host) == origin
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		name = h
	}
	if name == "" || net.ParseIP(strings.Trim(name, "[]")) != nil {
		return auth.PasskeyRP{}, false
	}
	scheme := "https"
	if !s.Secure && r.TLS == nil {
		scheme = "http"
	}
	return auth.PasskeyRP{ID: strings.ToLower(name), Origin: webOrigin(scheme, r.Host)}, true
}

// webOrigin is the origin of scheme and host as browsers write it: lower
// case, without the scheme's default port.
func webOrigin(scheme, host string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return scheme + "://" + host
}

// userJSON is user for the scripts' JSON requests: without a session it
// answers 401 with a message, rather than sending them to the login page.
func (s *Server) userJSON(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.principal(r)
		if p == nil {
			writePasskeyJSON(w, http.StatusUnauthorized, passkeyAnswer{Error: s.cat.t(langOf(r), "passkey.err.session")})
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// passkeyAnswer is what the second step answers passkey.js: where to go,
// or what went wrong, in the page's language.
type passkeyAnswer struct {
	Redirect string `json:"redirect,omitempty"`
	Error    string `json:"error,omitempty"`
}

// passkeyRequest is what passkey.js posts in the second step.
type passkeyRequest struct {
	// Credential is the browser's PublicKeyCredential, as JSON.
	Credential json.RawMessage `json:"credential"`
	Name       string          `json:"name"` // a new passkey's
	Next       string          `json:"next"` // where a step-up returns to
}

func writePasskeyJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// passkeyOptions answers a ceremony's first step: its options, with its
// state in the cookie for path.
func (s *Server) passkeyOptions(w http.ResponseWriter, c *auth.PasskeyCeremony, cookie, path string) {
	http.SetCookie(w, &http.Cookie{Name: cookie, Value: base64.RawURLEncoding.EncodeToString(c.State), Path: path,
		MaxAge: int(auth.PasskeyTimeout.Seconds()), HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(c.Options)
}

// passkeyState reads a ceremony's state from its cookie and deletes the
// cookie: a state serves one answer. Nil when there is none.
func (s *Server) passkeyState(w http.ResponseWriter, r *http.Request, cookie, path string) []byte {
	http.SetCookie(w, &http.Cookie{Name: cookie, Value: "", Path: path, MaxAge: -1, HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	c, err := r.Cookie(cookie)
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	return b
}

// readPasskeyRequest reads the second step's JSON.
func readPasskeyRequest(r *http.Request) (*passkeyRequest, error) {
	var req passkeyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxPasskeyRequest)).Decode(&req); err != nil || len(req.Credential) == 0 {
		return nil, problem.Field(auth.FieldPasskey, "invalid_passkey", "the request holds no passkey answer")
	}
	return &req, nil
}

// passkeyFail answers a refusal as JSON, in the page's language: the
// passkey texts first (passkey.err.<field>.<code>, passkey.err.<code>),
// then problemOf's.
func (s *Server) passkeyFail(w http.ResponseWriter, r *http.Request, err error) {
	lang := langOf(r)
	pr := problem.As(err)
	if pr != nil {
		keys := []string{"passkey.err." + pr.Code}
		if pr.Field != "" {
			keys = append([]string{"passkey.err." + pr.Field + "." + pr.Code}, keys...)
		}
		if msg, ok := s.textOf(lang, keys); ok {
			writePasskeyJSON(w, statusOf(pr.Kind), passkeyAnswer{Error: msg})
			return
		}
	}
	p := s.page(r, "passkey.title")
	status := s.problemOf(p, err)
	writePasskeyJSON(w, status, passkeyAnswer{Error: p.Error})
}

// passkeyProblem puts a refusal on a page: the passkey texts first, then
// settingsProblem's.
func (s *Server) passkeyProblem(p *Page, err error) int {
	if pr := problem.As(err); pr != nil {
		if msg, ok := s.textOf(p.Lang, []string{"passkey.err." + pr.Code}); ok {
			p.Error = msg
			return statusOf(pr.Kind)
		}
	}
	return s.settingsProblem(p, err)
}

// passkeyData is the settings' passkey section.
type passkeyData struct {
	List []auth.PasskeyInfo
	// RPID is the host passkeys added here work on; Available says
	// whether they work at the address the page was reached at.
	RPID      string
	Available bool
	// MayAdd: no second factor yet, or a session at high; Full: the
	// account has auth.MaxPasskeys already. MayRemove: a session at
	// high. NeedHigh: adding or removing waits for a step-up.
	MayAdd, Full, MayRemove, NeedHigh bool
}

// passkeySettings is the settings' passkey section for p's account.
func (s *Server) passkeySettings(r *http.Request, p *auth.Principal) (*passkeyData, error) {
	list, err := s.Auth.Passkeys(r.Context(), p)
	if err != nil {
		return nil, err
	}
	rp, ok := s.passkeyRP(r)
	high := p.Level() == account.High
	d := &passkeyData{List: list, RPID: rp.ID, Available: ok, Full: len(list) >= auth.MaxPasskeys,
		MayRemove: high}
	d.MayAdd = ok && !d.Full && (high || !p.Account.SecondFactor())
	d.NeedHigh = !high && p.Account.SecondFactor()
	return d, nil
}

// passkeyOffered reports whether the step-up page offers p's passkeys: the
// account has one for the page's relying party.
func (s *Server) passkeyOffered(r *http.Request, p *auth.Principal) bool {
	rp, ok := s.passkeyRP(r)
	if !ok || p.Account.Passkeys == 0 {
		return false
	}
	list, err := s.Auth.Passkeys(r.Context(), p)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.Log.Error("web: passkeys for the step-up", "account", p.Account.ID, "err", err)
		}
		return false
	}
	for _, k := range list {
		if k.RPID == rp.ID {
			return true
		}
	}
	return false
}

// errPasskeyUnavailable is the refusal where browsers refuse passkeys (an
// IP address instead of a name).
func errPasskeyUnavailable() error {
	return problem.New(problem.Conflict, "", "passkey_unavailable", "passkeys do not work at this address")
}

// passkeyAnswerOf reads the second step of a ceremony: the site, the state
// the first step sealed in cookie, and the browser's answer. On a refusal
// it has answered the browser, and ok is false.
func (s *Server) passkeyAnswerOf(w http.ResponseWriter, r *http.Request, cookie, path string) (rp auth.PasskeyRP, state []byte, req *passkeyRequest, ok bool) {
	state = s.passkeyState(w, r, cookie, path)
	rp, available := s.passkeyRP(r)
	req, err := readPasskeyRequest(r)
	switch {
	case !available:
		err = errPasskeyUnavailable()
	case err == nil && state == nil:
		err = problem.New(problem.Conflict, auth.FieldPasskey, "passkey_expired", "no passkey request is waiting")
	}
	if err != nil {
		s.passkeyFail(w, r, err)
		return rp, nil, nil, false
	}
	return rp, state, req, true
}
