package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Page is what every template gets.
type Page struct {
	Lang     string
	Title    string // a message key
	Provider string
	Domain   string
	CSRF     string
	Path     string // the request's path, for the language switch to return to
	User     *auth.Principal
	Officer  *store.Officer
	// Form is what was entered, shown again after an error; Errors the
	// message of each field that broke a rule, in the page's language;
	// Error one for the form as a whole.
	Form   url.Values
	Errors map[string]string
	Error  string
	Notice string // a message key: what just happened
	Data   any
	cat    catalog
	now    time.Time
	loc    *time.Location

	// ScanningOff: letters are not scanned for malware here (a banner).
	ScanningOff bool
	// Quota is the mailbox's usage on the pages that show it (quota.go):
	// a banner when it is nearly or quite full; nil elsewhere.
	Quota *account.Quota
}

// T is key in the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.t(p.Lang, key, args...) }

// High reports whether the user is logged in at high.
func (p *Page) High() bool { return p.User != nil && p.User.Level() == account.High }

// Here reports whether the page is under path, for the navigation's
// aria-current.
func (p *Page) Here(path string) bool {
	u, _, _ := strings.Cut(p.Path, "?")
	return u == path || strings.HasPrefix(u, path+"/")
}

// Value is what was entered in field, for the form shown again.
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// Time formats t for the page: date and time in the provider's zone, as
// each language writes them.
func (p *Page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if p.Lang == "en" {
		return t.In(p.loc).Format("2006-01-02 15:04")
	}
	return t.In(p.loc).Format("02.01.2006 15:04")
}

// parse reads every page template with the layout.
func (s *Server) parse() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", base, err)
		}
		s.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return nil
}

// page starts the page data of a request.
func (s *Server) page(r *http.Request, title string) *Page {
	return &Page{Lang: langOf(r), Title: title, Provider: s.Name, Domain: s.Domain, CSRF: csrfToken(r),
		Path: r.URL.RequestURI(), User: userOf(r), Form: r.PostForm, Errors: map[string]string{}, cat: s.cat,
		now: s.Clock.Now(), loc: s.location(), ScanningOff: s.ScanningOff}
}

// render writes the page named name with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *Page, status int) {
	t, ok := s.pages[name]
	if !ok {
		s.Log.Error("web: no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		s.Log.Error("web: template failed", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail shows an error page with the message key and a way back.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	p := s.page(r, "err.title")
	p.Error = p.T(key)
	s.render(w, r, "error", p, status)
}

// problemOf puts a service's refusal on the page: next to its field when
// it names one, in the page's language when there is a message for its
// code ("err.<code>"), else in the service's words. It returns the HTTP
// status to answer with; an error that is no refusal is logged, and the
// user sees that nothing happened.
func (s *Server) problemOf(p *Page, err error, fields ...string) int {
	pr := problem.As(err)
	if pr == nil && store.IsFull(err) {
		s.Log.Error("web: request failed: out of storage space", "err", err)
		pr = problem.NoSpace(nil)
	}
	if pr == nil {
		s.Log.Error("web: request failed", "err", err)
		p.Error = p.T("err.internal")
		return http.StatusInternalServerError
	}
	msg := pr.Message
	if key := "err." + pr.Code; s.cat.has(key) {
		msg = p.T(key)
	}
	field := pr.Field
	if i := strings.IndexAny(field, "[."); i > 0 && !contains(fields, field) {
		field = field[:i] // to[0] → to
	}
	if field != "" && contains(fields, field) {
		p.Errors[field] = msg
	} else {
		p.Error = msg
	}
	return statusOf(pr.Kind)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// statusOf is the HTTP status of a problem kind, as the API answers.
func statusOf(k problem.Kind) int {
	switch k {
	case problem.Unauthorized:
		return http.StatusUnauthorized
	case problem.Forbidden:
		return http.StatusForbidden
	case problem.NotFound:
		return http.StatusNotFound
	case problem.Conflict:
		return http.StatusConflict
	case problem.TooLarge:
		return http.StatusRequestEntityTooLarge
	case problem.Locked:
		return http.StatusLocked
	case problem.TooMany:
		return http.StatusTooManyRequests
	case problem.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// location is the provider's time zone, for the times pages show.
func (s *Server) location() *time.Location {
	if s.Mail != nil && s.Mail.Location != nil {
		return s.Mail.Location
	}
	return time.UTC
}
