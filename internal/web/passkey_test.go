package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/auth/passkeytest"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// atLocalhost is e with its pages at https://localhost:PORT: passkeys need
// a host name (WebAuthn allows no IP address as the relying party), and
// the test provider's public URL is an IP address, so the pages take the
// host the browser asks for (passkeyRP). Its certificate names localhost.
func atLocalhost(e *pt.Env) *pt.Env {
	le := *e
	le.URL = strings.Replace(e.URL, "https://127.0.0.1:", "https://localhost:", 1)
	return &le
}

// postJSON sends body as JSON with the CSRF token in the X-CSRF-Token
// header (csrf: "" for none), as passkey.js does.
func (b *mailBrowser) postJSON(path, csrf string, body any) *mailPage {
	b.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.do(req)
}

// jsonAnswer is a passkey request's answer.
func jsonAnswer(t *testing.T, p *mailPage) (redirect, msg string) {
	t.Helper()
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("answer of type %q (%d):\n%.500s", ct, p.Status, p.Body)
	}
	var a struct{ Redirect, Error string }
	if err := json.Unmarshal([]byte(p.Body), &a); err != nil {
		t.Fatalf("answer %q: %v", p.Body, err)
	}
	return a.Redirect, a.Error
}

// addPasskey adds a passkey through the settings' two requests.
func (b *mailBrowser) addPasskey(a *passkeytest.Authenticator, name string) *mailPage {
	b.t.Helper()
	opts := b.postJSON("/settings/passkeys/options", b.csrf, nil)
	if opts.Status != http.StatusOK {
		b.t.Fatalf("passkey options: %d %s", opts.Status, opts.Body)
	}
	cred, err := a.Create([]byte(opts.Body))
	if err != nil {
		b.t.Fatalf("the authenticator: %v", err)
	}
	return b.postJSON("/settings/passkeys", b.csrf, map[string]any{"credential": json.RawMessage(cred), "name": name})
}

// stepUpPasskey steps up through the step-up page's two requests.
func (b *mailBrowser) stepUpPasskey(a *passkeytest.Authenticator, next string) *mailPage {
	b.t.Helper()
	opts := b.postJSON("/stepup/passkey/options", b.csrf, nil)
	if opts.Status != http.StatusOK {
		b.t.Fatalf("step-up options: %d %s", opts.Status, opts.Body)
	}
	cred, err := a.Get([]byte(opts.Body))
	if err != nil {
		b.t.Fatalf("the authenticator: %v", err)
	}
	return b.postJSON("/stepup/passkey", b.csrf, map[string]any{"credential": json.RawMessage(cred), "next": next})
}

// TestPasskeyPages: a holder with TOTP adds a passkey in the settings (at
// high, since she has a factor), steps up with it in a new session, and
// removes it; the pages say what a browser without script needs to know.
func TestPasskeyPages(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	le := atLocalhost(e)
	erika := e.Open(pt.PersonApp("Erika", "Passkey"), true)
	b := newMailBrowser(t, le)
	b.login(erika)

	// At normal, beside TOTP: listed, but adding waits for high.
	p := b.get("/settings")
	mailWant(t, p, http.StatusOK, `id="passkeys"`, "Noch kein Passkey.", "Einen weiteren Passkey hinzufügen")
	mailLacks(t, p, `data-passkey="add"`)
	opts := b.postJSON("/settings/passkeys/options", b.csrf, nil)
	if _, msg := jsonAnswer(t, opts); opts.Status != http.StatusForbidden || !strings.Contains(msg, "Anmeldeniveau hoch") {
		t.Errorf("options at normal beside TOTP: %d %q", opts.Status, msg)
	}

	// At high: the form, hidden until the script finds WebAuthn, and the
	// note for browsers without it.
	b.stepUp(erika, "/settings")
	p = b.get("/settings")
	mailWant(t, p, http.StatusOK, `data-passkey="add"`, "Passkeys brauchen einen aktuellen Browser", `src="/static/passkey.js"`)
	// The JSON requests need the CSRF token in the header.
	for _, tok := range []string{"", "wrong-token-wrong-token-wrong-token-wrong-t"} {
		if p := b.postJSON("/settings/passkeys/options", tok, nil); p.Status != http.StatusForbidden {
			t.Errorf("options with CSRF token %q: %d, want 403", tok, p.Status)
		}
	}
	opts = b.postJSON("/settings/passkeys/options", b.csrf, nil)
	var o struct {
		PublicKey struct {
			RP   struct{ ID string }
			User struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(opts.Body), &o); err != nil || o.PublicKey.RP.ID != "localhost" ||
		o.PublicKey.User.Name != erika.Address {
		t.Fatalf("options: %v\n%s", err, opts.Body)
	}
	if c := opts.Header.Get("Set-Cookie"); !strings.Contains(c, "siegel_passkey_add=") || !strings.Contains(c, "HttpOnly") ||
		!strings.Contains(c, "Path=/settings/passkeys") {
		t.Errorf("the ceremony's cookie: %q", c)
	}
	laptop := passkeytest.New(le.URL)
	redirect, msg := jsonAnswer(t, b.addPasskey(laptop, "Laptop <Büro>"))
	if redirect != "/settings?done=passkey#passkeys" || msg != "" {
		t.Fatalf("adding: redirect %q, error %q", redirect, msg)
	}
	p = b.get(redirect)
	mailWant(t, p, http.StatusOK, "Der Passkey ist hinzugefügt", "Laptop &lt;Büro&gt;", "noch nie", `action="/settings/passkeys/remove"`)
	// The same answer again: the state served once.
	again := b.postJSON("/settings/passkeys", b.csrf, map[string]any{"credential": json.RawMessage(`{"id":"x"}`)})
	if _, msg := jsonAnswer(t, again); again.Status != http.StatusConflict || !strings.Contains(msg, "abgelaufen") {
		t.Errorf("a second answer to one request: %d %q", again.Status, msg)
	}

	// A new session: the step-up offers the code and the passkey.
	b2 := newMailBrowser(t, le)
	b2.login(erika)
	p = b2.get("/stepup?login=1&next=/settings")
	mailWant(t, p, http.StatusOK, `id="totp_code"`, `data-passkey="stepup"`, "Mit Passkey anmelden", `data-next="/settings"`)
	redirect, msg = jsonAnswer(t, b2.stepUpPasskey(laptop, "/settings"))
	if redirect != "/settings" || msg != "" {
		t.Fatalf("step-up: redirect %q, error %q", redirect, msg)
	}
	p = b2.get("/settings")
	mailWant(t, p, http.StatusOK, "level-high", "Laptop &lt;Büro&gt;")
	mailLacks(t, p, "noch nie")
	// A wrong answer: refused, in German, and counted.
	b3 := newMailBrowser(t, le)
	b3.login(erika)
	b3.get("/stepup")
	opts = b3.postJSON("/stepup/passkey/options", b3.csrf, nil)
	other := passkeytest.New(le.URL)
	if _, err := other.Create([]byte(`{"publicKey":{"challenge":"AAAA","rp":{"id":"localhost"},"user":{"id":"AAAA"}}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get([]byte(opts.Body)); err == nil {
		t.Fatal("an unregistered authenticator answered")
	}
	ch, _ := passkeytest.Challenge([]byte(opts.Body))
	cred, err := other.Assert(ch, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad := b3.postJSON("/stepup/passkey", b3.csrf, map[string]any{"credential": json.RawMessage(cred)})
	if _, msg := jsonAnswer(t, bad); bad.Status != http.StatusUnauthorized || !strings.Contains(msg, "nicht bestätigt") {
		t.Errorf("a stranger's passkey: %d %q", bad.Status, msg)
	}

	// Removing, at high.
	id := regexpValue(t, b2.get("/settings").Body, `name="passkey" value="([^"]+)"`)
	p = b2.post("/settings/passkeys/remove", url.Values{"passkey": {id}})
	mailWant(t, p, http.StatusOK, "Der Passkey ist entfernt", "Noch kein Passkey.")
	p = b2.post("/settings/passkeys/remove", url.Values{"passkey": {id}})
	mailWant(t, p, http.StatusNotFound, "Diesen Passkey gibt es nicht mehr.")
}

// regexpValue is the first group of pattern in s.
func regexpValue(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%.2000s", pattern, s)
	}
	return m[1]
}

// TestPasskeyFirstFactor: a holder without a second factor adds a passkey
// at normal, as she could enrol TOTP; from then on she can log in at high,
// so a personal letter to her is taken, which was refused before; her
// login goes on to the step-up, which offers only the passkey.
func TestPasskeyFirstFactor(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	le := atLocalhost(e)
	city := e.Open(pt.OrgApp("authority", "Stadt Passkey", true), true)
	max := e.Open(pt.PersonApp("Max", "Passkey"), false)
	letter := &api.SendRequest{To: []string{max.Address}, Subject: "Bescheid", Text: "Anbei.", Personal: true}
	if _, err := city.High().Send(context.Background(), letter); err == nil {
		t.Fatal("a personal letter to an account without a second factor was taken")
	}
	b := newMailBrowser(t, le)
	b.login(max)
	p := b.get("/settings")
	mailWant(t, p, http.StatusOK, `data-passkey="add"`, "Noch nicht eingerichtet")
	a := passkeytest.New(le.URL)
	if redirect, msg := jsonAnswer(t, b.addPasskey(a, "")); redirect == "" || msg != "" {
		t.Fatalf("the first passkey at normal: %q %q", redirect, msg)
	}
	p = b.get("/settings")
	mailWant(t, p, http.StatusOK, "Passkey 1", "Ihr zweiter Faktor ist ein Passkey")
	mailLacks(t, p, "Noch nicht eingerichtet", `data-passkey="add"`)
	if _, err := city.High().Send(context.Background(), letter); err != nil {
		t.Fatalf("a personal letter to an account with a passkey: %v", err)
	}
	// The next login goes on to the step-up, with the passkey alone.
	b2 := newMailBrowser(t, le)
	b2.get("/login")
	p = b2.post("/login", url.Values{"address": {max.Address}, "password": {max.Password}})
	if p.URL.Path != "/stepup" {
		t.Fatalf("after the password: %s", p.URL)
	}
	mailWant(t, p, http.StatusOK, `data-passkey="stepup"`, "Mit Ihrem Passkey erreichen Sie das Niveau hoch")
	mailLacks(t, p, `id="totp_code"`)
	if redirect, msg := jsonAnswer(t, b2.stepUpPasskey(a, "/mail/inbox")); redirect != "/mail/inbox" || msg != "" {
		t.Fatalf("step-up: %q %q", redirect, msg)
	}
	p = b2.get("/mail/inbox")
	mailWant(t, p, http.StatusOK, "level-high", "Bescheid")

	// Closing the account deletes its passkeys with its other credentials.
	if _, err := e.Officer1.Close(context.Background(), max.ID, "Kündigung"); err != nil {
		t.Fatal(err)
	}
	var left []store.Passkey
	if err := e.P.Store.View(context.Background(), func(tx store.Tx) (err error) {
		left, err = tx.AccountPasskeys(max.ID)
		return err
	}); err != nil || len(left) != 0 {
		t.Errorf("after closing, %d passkeys are left (%v)", len(left), err)
	}
}

// TestPasskeyAtAnIPAddress: at an IP address passkeys cannot work; the
// pages say so and the requests refuse.
func TestPasskeyAtAnIPAddress(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	max := e.Open(pt.PersonApp("Max", "Adresse"), false)
	b := newMailBrowser(t, e)
	b.login(max)
	p := b.get("/settings")
	mailWant(t, p, http.StatusOK, "Passkeys funktionieren nur, wenn Sie diese Seite unter der Adresse des Anbieters aufrufen")
	mailLacks(t, p, `data-passkey="add"`)
	opts := b.postJSON("/settings/passkeys/options", b.csrf, nil)
	if _, msg := jsonAnswer(t, opts); opts.Status != http.StatusConflict || msg == "" {
		t.Errorf("options at an IP address: %d %q", opts.Status, msg)
	}
	// Without a session: 401 as JSON, not the login page.
	anon := newMailBrowser(t, e)
	anon.get("/login")
	p = anon.postJSON("/stepup/passkey/options", anon.csrf, nil)
	if _, msg := jsonAnswer(t, p); p.Status != http.StatusUnauthorized || !strings.Contains(msg, "Sitzung") {
		t.Errorf("options without a session: %d %q", p.Status, msg)
	}
}
