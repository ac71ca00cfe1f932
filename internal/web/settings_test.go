package web_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/auth"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/registration"
)

// settingsBrowser is a browser as far as the settings pages need one: an
// HTTP client with its own cookies that trusts the test provider and
// follows redirects, and the last page it got.
// settingsBrowser is the page tests' browser.
type settingsBrowser = webClient

func newSettingsBrowser(t *testing.T, e *pt.Env) *settingsBrowser { return newWebClient(t, e) }

// main is the page's main content, without the data URLs, for messages.
func (p *webPage) main() string {
	s := p.Body
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	s = regexp.MustCompile(`data:[^"]+`).ReplaceAllString(s, "data:…")
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

// login logs in at normal through the login page and lands on the
// settings, or on the step-up page when the account has a second factor.
func (b *settingsBrowser) loginAt(addr, password string) *webPage {
	b.t.Helper()
	b.get("/login?next=/settings")
	return b.submit("/login", url.Values{"address": {addr}, "password": {password}, "next": {"/settings"}})
}

// token is the session cookie's token, "" when there is none.
func (b *settingsBrowser) token() string {
	u, _ := url.Parse(b.e.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "siegel_session" {
			return c.Value
		}
	}
	return ""
}

// want fails the test unless the last page has status and path and holds
// every one of texts.
func (b *settingsBrowser) want(status int, path string, texts ...string) {
	b.t.Helper()
	p := b.last
	if p.Status != status || p.URL.Path != path {
		b.t.Fatalf("got %d at %s, want %d at %s:\n%s", p.Status, p.URL, status, path, p.main())
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			b.t.Errorf("%s does not show %q:\n%s", p.URL, s, p.main())
		}
	}
}

// lacks fails the test when the last page holds any of texts.
func (b *settingsBrowser) lacks(texts ...string) {
	b.t.Helper()
	for _, s := range texts {
		if s != "" && strings.Contains(b.last.Body, s) {
			b.t.Errorf("%s shows %q", b.last.URL, s)
		}
	}
}

var (
	settingsSecret        = regexp.MustCompile(`<code class="settings-secret"[^>]*>([A-Z2-7 ]+)</code>`)
	settingsQR            = regexp.MustCompile(`<img class="settings-qr" src="data:image/png;base64,([^"]+)"`)
	settingsSessionID     = regexp.MustCompile(`name="session" value="([^"]+)"`)
	settingsPasswordValue = regexp.MustCompile(`<input[^>]*type="password"[^>]*value=`)
)

// The second factor set up through the page: the QR code and the key, a
// wrong first code refused next to its field with the key shown again, the
// right one switching it on; then the step-up works with it.
func TestSettingsTOTPEnrolment(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Erika", "Einrichtung"), false)
	b := newSettingsBrowser(t, e)
	b.loginAt(u.Address, u.Password)
	b.want(http.StatusOK, "/settings", u.Address, "Natürliche Person", "Noch nicht eingerichtet", `href="/settings/totp"`)

	b.get("/settings/totp")
	b.want(http.StatusOK, "/settings/totp", "Einrichtung beginnen")
	b.submit("/settings/totp", url.Values{})
	b.want(http.StatusOK, "/settings/totp", `alt="QR-Code`, `id="totp_code"`)
	m := settingsSecret.FindStringSubmatch(b.last.Body)
	if m == nil {
		t.Fatalf("no key on the page:\n%s", b.last.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	q := settingsQR.FindStringSubmatch(b.last.Body)
	if q == nil {
		t.Fatal("no QR code as a data URL")
	}
	// As the browser reads the attribute: html/template writes + as &#43;.
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(q[1]))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(raw)); err != nil || cfg.Width < 100 || cfg.Width != cfg.Height {
		t.Errorf("the QR code is not a square PNG: %+v, %v", cfg, err)
	}
	// The page, reloaded, shows the same key: no new one each time.
	b.get("/settings/totp")
	if m := settingsSecret.FindStringSubmatch(b.last.Body); m == nil || strings.ReplaceAll(m[1], " ", "") != secret {
		t.Error("reloading the page changed the key")
	}
	b.get("/settings")
	b.want(http.StatusOK, "/settings", "wartet auf den ersten Code")

	// A wrong code: next to its field, the key still there.
	b.get("/settings/totp")
	good := e.Code(secret)
	wrong := []byte(good)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	b.submit("/settings/totp/confirm", url.Values{"totp_code": {string(wrong)}})
	b.want(http.StatusUnauthorized, "/settings/totp/confirm", `id="totp_code-error"`, "Der Code stimmt nicht", `aria-invalid="true"`, m[1])
	b.lacks(string(wrong))
	b.submit("/settings/totp/confirm", url.Values{"totp_code": {"12345"}})
	b.want(http.StatusBadRequest, "/settings/totp/confirm", `id="totp_code-error"`, "sechs Ziffern")

	b.submit("/settings/totp/confirm", url.Values{"totp_code": {good[:3] + " " + good[3:]}})
	b.want(http.StatusOK, "/settings", "Der zweite Faktor ist eingerichtet", `role="status"`)
	b.lacks("Noch nicht eingerichtet")

	// The step-up now works with the factor.
	b.get("/stepup?next=/settings")
	b.want(http.StatusOK, "/stepup", `id="totp_code"`)
	b.submit("/stepup", url.Values{"totp_code": {e.Code(secret)}, "next": {"/settings"}})
	b.want(http.StatusOK, "/settings", "level-high")
	// At high, the factor may be replaced.
	b.get("/settings/totp")
	b.want(http.StatusOK, "/settings/totp", "Ihr zweiter Faktor ist eingerichtet", "Neu einrichten")

	// A new login at normal may not see or replace it, nor change the
	// password without the step-up.
	n := newSettingsBrowser(t, e)
	n.loginAt(u.Address, u.Password)
	n.want(http.StatusOK, "/stepup", `id="totp_code"`)
	n.get("/settings/totp")
	n.want(http.StatusOK, "/settings/totp", "zuerst mit ihm an", `href="/stepup?next=/settings/totp"`)
	n.lacks("settings-secret", "Neu einrichten")
	n.get("/settings")
	n.submit("/settings/totp", url.Values{})
	n.want(http.StatusForbidden, "/settings/totp", "Anmeldeniveau hoch")
	n.lacks("settings-secret")
	n.submit("/settings/totp/confirm", url.Values{"totp_code": {e.Code(secret)}})
	n.want(http.StatusForbidden, "/settings/totp/confirm", "Anmeldeniveau hoch")
	n.get("/settings/password")
	n.want(http.StatusOK, "/settings/password", "zuerst mit ihm an")
	n.lacks(`id="current_password"`)
}

// The password changed through the page: a wrong current password and a
// weak or mistyped new one are refused next to their fields, nothing
// entered is shown again; the change ends the other session, and only the
// new password logs in.
func TestSettingsPassword(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Erika", "Passwort"), false)
	b := newSettingsBrowser(t, e)
	b.loginAt(u.Address, u.Password)
	other := newSettingsBrowser(t, e)
	other.loginAt(u.Address, u.Password)
	other.want(http.StatusOK, "/settings")

	const next = "Wanderung zum Drachenfels 1907"
	b.get("/settings/password")
	b.want(http.StatusOK, "/settings/password", `id="current_password"`, `autocomplete="new-password"`, "Mindestens 12 Zeichen")

	for _, tc := range []struct {
		name                   string
		current, new1, new2    string
		status                 int
		field, message, unused string
	}{
		{"wrong current", "falsches Passwort", next, next, http.StatusBadRequest,
			"current_password", "Das aktuelle Passwort stimmt nicht", ""},
		{"mistyped", u.Password, next, next + "!", http.StatusBadRequest,
			"new_password2", "stimmen nicht überein", ""},
		{"weak", u.Password, "kurz", "kurz", http.StatusBadRequest,
			"new_password", "Zu kurz", ""},
		{"the address", u.Password, u.Address, u.Address, http.StatusBadRequest,
			"new_password", "Das ist Ihre Adresse", ""},
		{"no current", "", next, next, http.StatusBadRequest,
			"current_password", "Bitte geben Sie Ihr aktuelles Passwort ein", ""},
	} {
		b.submit("/settings/password", url.Values{"current_password": {tc.current},
			"new_password": {tc.new1}, "new_password2": {tc.new2}})
		b.want(tc.status, "/settings/password", `id="`+tc.field+`-error"`, tc.message)
		// Passwords are never written back into the page.
		if settingsPasswordValue.MatchString(b.last.Body) {
			t.Errorf("%s: a password field has a value", tc.name)
		}
		b.lacks(tc.current, next, next+"!")
	}
	b.submit("/settings/password", url.Values{"current_password": {u.Password},
		"new_password": {next}, "new_password2": {next}})
	b.want(http.StatusOK, "/settings", "Ihr Passwort ist geändert")

	// The other session is ended; this one goes on.
	other.get("/settings")
	other.want(http.StatusOK, "/login")
	b.get("/settings")
	b.want(http.StatusOK, "/settings", u.Address)

	// Only the new password logs in.
	old := newSettingsBrowser(t, e)
	old.loginAt(u.Address, u.Password)
	old.want(http.StatusUnauthorized, "/login", `id="password-error"`)
	fresh := newSettingsBrowser(t, e)
	fresh.loginAt(u.Address, next)
	fresh.want(http.StatusOK, "/settings", u.Address)
}

// The sessions listed, with this one marked and none showing its token;
// one ended by its id (its cookie no longer logs in), then all others,
// then this one, which logs out.
func TestSettingsSessions(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Erika", "Sitzungen"), false)
	b := newSettingsBrowser(t, e)
	b.loginAt(u.Address, u.Password)
	second := newSettingsBrowser(t, e)
	second.loginAt(u.Address, u.Password)
	third := newSettingsBrowser(t, e)
	third.loginAt(u.Address, u.Password)

	b.get("/settings")
	b.want(http.StatusOK, "/settings", "Diese Sitzung", "Alle anderen Sitzungen beenden")
	ids := settingsSessionID.FindAllStringSubmatch(b.last.Body, -1)
	// The API session that Open made, and the three here.
	if len(ids) != 4 {
		t.Fatalf("%d sessions listed, want 4", len(ids))
	}
	for _, br := range []*settingsBrowser{b, second, third} {
		tok := br.token()
		b.lacks(tok, registration.HashToken(tok))
	}
	if got, want := ids[0][1], auth.SessionID(registration.HashToken(b.token())); got != want {
		t.Errorf("the first session listed is not this one")
	}
	secondID := auth.SessionID(registration.HashToken(second.token()))
	if !strings.Contains(b.last.Body, `value="`+secondID+`"`) {
		t.Fatal("the second browser's session is not listed")
	}

	b.submit("/settings/sessions/revoke", url.Values{"session": {secondID}})
	b.want(http.StatusOK, "/settings", "Die Sitzung ist beendet")
	b.lacks(secondID)
	second.get("/settings")
	second.want(http.StatusOK, "/login")
	// Again: it is gone already, which is what was wanted.
	b.submit("/settings/sessions/revoke", url.Values{"session": {secondID}})
	b.want(http.StatusOK, "/settings", "schon beendet")

	b.submit("/settings/sessions/revoke-others", url.Values{})
	b.want(http.StatusOK, "/settings", "Alle anderen Sitzungen sind beendet", "nirgendwo sonst angemeldet")
	third.get("/settings")
	third.want(http.StatusOK, "/login")
	if ids := settingsSessionID.FindAllStringSubmatch(b.last.Body, -1); len(ids) != 1 {
		t.Errorf("%d sessions left, want this one", len(ids))
	}

	// Ending this session logs out.
	b.submit("/settings/sessions/revoke", url.Values{"session": {auth.SessionID(registration.HashToken(b.token()))}})
	b.want(http.StatusOK, "/login")
	if b.token() != "" {
		t.Error("the session cookie is still set")
	}
	b.get("/settings")
	b.want(http.StatusOK, "/login")
}

// The language kept from the settings, as the switch on every page keeps
// it; something else is refused next to the choice.
func TestSettingsLanguage(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Erika", "Sprache"), false)
	b := newSettingsBrowser(t, e)
	b.loginAt(u.Address, u.Password)
	b.want(http.StatusOK, "/settings", `<html lang="de">`, `name="lang" value="de" checked`)
	b.submit("/settings/language", url.Values{"lang": {"fr"}})
	b.want(http.StatusBadRequest, "/settings/language", `id="lang-error"`)
	b.submit("/settings/language", url.Values{"lang": {"en"}})
	b.want(http.StatusOK, "/settings", `<html lang="en">`, "The language is saved.", `name="lang" value="en" checked`, "Natural person")
	b.get("/settings/password")
	b.want(http.StatusOK, "/settings/password", "Current password")
}

// Without a session, the settings send the browser to the login page,
// which brings it back.
func TestSettingsNeedLogin(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	b := newSettingsBrowser(t, e)
	for _, path := range []string{"/settings", "/settings/totp", "/settings/password"} {
		b.get(path)
		b.want(http.StatusOK, "/login")
		if got := b.last.URL.Query().Get("next"); got != path {
			t.Errorf("%s: next=%q", path, got)
		}
	}
}
