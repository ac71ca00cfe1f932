package web_test

import (
	"bytes"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// mailBrowser is a user's browser without script: a cookie jar, the
// provider's certificate, and the CSRF token scraped from a form.
// mailBrowser and mailPage are the page tests' browser and answer.
type (
	mailBrowser = webClient
	mailPage    = webPage
)

func newMailBrowser(t *testing.T, e *pt.Env) *mailBrowser { return newWebClient(t, e) }

// mailFile is a file for postMultipart.
type mailFile struct {
	Name, Type string
	Data       []byte
}

func (b *mailBrowser) postMultipart(path string, form url.Values, files ...mailFile) *mailPage {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{mime.FormatMediaType("form-data", map[string]string{"name": "attachments", "filename": f.Name})}
		h["Content-Type"] = []string{f.Type}
		part, err := w.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		part.Write(f.Data)
	}
	w.Close()
	req, err := http.NewRequest(http.MethodPost, b.e.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// login logs u in through the login form, at normal.
func (b *mailBrowser) login(u *pt.User) {
	b.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"address": {u.Address}, "password": {u.Password}})
	if p.Status != http.StatusOK || p.URL.Path == "/login" {
		b.t.Fatalf("login of %s: %d at %s", u.Address, p.Status, p.URL)
	}
}

// stepUp makes the session high with a fresh code, returning to next.
func (b *mailBrowser) stepUp(u *pt.User, next string) *mailPage {
	b.t.Helper()
	b.get("/stepup?next=" + url.QueryEscape(next))
	return b.post("/stepup", url.Values{"totp_code": {b.e.Code(u.Secret)}, "next": {next}})
}

func mailWant(t *testing.T, p *mailPage, status int, has ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", p.URL, p.Status, status, p.Body)
	}
	for _, s := range has {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s: no %q in the page", p.URL, s)
		}
	}
}

func mailLacks(t *testing.T, p *mailPage, not ...string) {
	t.Helper()
	for _, s := range not {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s: %q in the page", p.URL, s)
		}
	}
}

func mailSend(t *testing.T, c *client.Client, req *api.SendRequest) *api.SendResponse {
	t.Helper()
	res, err := c.Send(t.Context(), req)
	if err != nil {
		t.Fatalf("send %q: %v", req.Subject, err)
	}
	return res
}

// mailCopy is the id of the copy of the letter with subject in folder,
// as the API lists it (a hidden one by its sender).
func mailCopy(t *testing.T, c *client.Client, folder, subjectOrSender string) string {
	t.Helper()
	list, err := c.List(t.Context(), folder, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list.Letters {
		if l.Subject == subjectOrSender || (l.ContentHidden && l.From == subjectOrSender) {
			return l.ID
		}
	}
	t.Fatalf("no %q in %s", subjectOrSender, folder)
	return ""
}

// TestMailFolderPaging lists an inbox newest first, a page at a time, the
// sent folder by recipients, and refuses a folder that is none.
func TestMailFolderPaging(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Absender"), false)
	bert := e.Open(pt.PersonApp("Bert", "Blättert"), false)
	for i := 1; i <= 30; i++ {
		e.Clock.Advance(time.Second)
		mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: fmt.Sprintf("Brief %02d", i), Text: "Text"})
	}
	b := newMailBrowser(t, e)
	b.login(bert)
	first := b.get("/mail/inbox")
	mailWant(t, first, http.StatusOK, "Brief 30", "Brief 06", anna.Address, "ungelesen")
	mailLacks(t, first, "Brief 05")
	if strings.Index(first.Body, "Brief 30") > strings.Index(first.Body, "Brief 29") {
		t.Error("the newest letter is not first")
	}
	older := regexp.MustCompile(`href="(/mail/inbox\?before=[^"]+)"`).FindStringSubmatch(first.Body)
	if older == nil {
		t.Fatal("no link to older letters")
	}
	second := b.get(html.UnescapeString(older[1]))
	mailWant(t, second, http.StatusOK, "Brief 05", "Brief 01")
	mailLacks(t, second, "Brief 06", `href="/mail/inbox?before=`)

	a := newMailBrowser(t, e)
	a.login(anna)
	mailWant(t, a.get("/mail/sent"), http.StatusOK, "Brief 30", bert.Address)
	mailWant(t, a.get("/mail/confirmations"), http.StatusOK)
	mailWant(t, a.get("/mail/trash"), http.StatusOK)
	mailWant(t, a.get("/mail/relay"), http.StatusNotFound)
	mailWant(t, a.get("/mail/outbox"), http.StatusNotFound)
}

// TestMailSearch finds letters by sender, subject and file number; a
// personal letter at normal only by its sender (DMG §5(4)).
func TestMailSearch(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Suchhausen", true), true)
	firm := e.Open(pt.OrgApp("organisation", "Firma Findig", false), false)
	erika := e.Open(pt.PersonApp("Erika", "Sucherin"), true)
	cityC := city.High()
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid über Grundsteuer", Text: "x",
		PrivateID: "AZ-4711/27"})
	e.Clock.Advance(time.Second)
	mailSend(t, firm.C, &api.SendRequest{To: []string{erika.Address}, Subject: "Rechnung Mai", Text: "x"})
	e.Clock.Advance(time.Second)
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Geheime Grundsteuer", Text: "x", Personal: true})

	b := newMailBrowser(t, e)
	b.login(erika)
	p := b.get("/mail/inbox?q=grundsteuer")
	mailWant(t, p, http.StatusOK, "Bescheid über Grundsteuer")
	mailLacks(t, p, "Rechnung Mai", "Geheime")
	p = b.get("/mail/inbox?q=" + url.QueryEscape("az-4711"))
	mailWant(t, p, http.StatusOK, "Bescheid über Grundsteuer", "AZ-4711/27")
	mailLacks(t, p, "Rechnung Mai")
	p = b.get("/mail/inbox?q=" + url.QueryEscape(firm.Address))
	mailWant(t, p, http.StatusOK, "Rechnung Mai")
	mailLacks(t, p, "Grundsteuer")
	// The personal letter, hidden at normal, is found by its sender
	// alone, and shows nothing but that.
	p = b.get("/mail/inbox?q=" + url.QueryEscape(city.Address))
	mailWant(t, p, http.StatusOK, "Bescheid über Grundsteuer", "Persönlicher Brief: Betreff und Inhalt erst nach Anmeldung")
	mailLacks(t, p, "Geheime")
	mailWant(t, b.get("/mail/inbox?q=nichts+dergleichen"), http.StatusOK, "Keine Treffer.")
	// At high, its subject is searched too.
	b.stepUp(erika, "/mail/inbox")
	mailWant(t, b.get("/mail/inbox?q=geheime"), http.StatusOK, "Geheime Grundsteuer")
}

// TestMailLetterView shows a letter with who sent it, its options each
// explained, its file number, its text, and attachments served as
// downloads that no browser renders.
func TestMailLetterView(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Lesedorf", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Leserin"), true)
	pdf := []byte("%PDF-1.4 not really")
	page := []byte("<html><script>alert(1)</script></html>")
	sent := mailSend(t, city.High(), &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid", Text: "Sehr geehrte Frau Leserin,\nanbei.",
		ReceiptConfirmation: true, SenderConfirmed: true, PrivateID: "AZ 1/27",
		Attachments: []api.Attachment{{Filename: `Bescheid "2027" ä;x.pdf`, ContentType: "application/pdf", Data: pdf},
			{Filename: "seite.html", ContentType: "text/html", Data: page}}})
	id := mailCopy(t, erika.C, "inbox", "Bescheid")
	b := newMailBrowser(t, e)
	b.login(erika)
	p := b.get("/letter/" + id)
	mailWant(t, p, http.StatusOK, "Stadt Lesedorf", city.Address, "Behörde, deren Identität Ihr Anbieter", erika.Address,
		"AZ 1/27", "absenderbestätigt", "Schriftform", "Eingangsbestätigung", "sicher angemeldet",
		"Sehr geehrte Frau Leserin,\nanbei.", "/letter/"+id+"/attachment/0", "/letter/"+id+"/attachment/1")
	mailLacks(t, p, "<script>alert(1)")
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for n, want := range [][]byte{pdf, page} {
		a := b.get(fmt.Sprintf("/letter/%s/attachment/%d", id, n))
		mailWant(t, a, http.StatusOK)
		if a.Body != string(want) {
			t.Errorf("attachment %d: %q", n, a.Body)
		}
		if ct := a.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("attachment %d: Content-Type %q", n, ct)
		}
		if a.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("attachment %d: no nosniff", n)
		}
		disp, params, err := mime.ParseMediaType(a.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" {
			t.Errorf("attachment %d: Content-Disposition %q: %v", n, a.Header.Get("Content-Disposition"), err)
		}
		if n == 0 && params["filename"] != "Bescheid _2027_ ä_x.pdf" {
			t.Errorf("attachment 0 saved as %q", params["filename"])
		}
	}
	mailWant(t, b.get("/letter/"+id+"/attachment/2"), http.StatusNotFound)
	mailWant(t, b.get("/letter/"+id+"/attachment/x"), http.StatusNotFound)
	// Someone else's letter looks missing.
	mailWant(t, b.get("/letter/"+sent.ID), http.StatusNotFound)
	mailWant(t, b.get("/letter/"+sent.ID+"/attachment/0"), http.StatusNotFound)
	// The sender sees the recipients in Sent.
	c := newMailBrowser(t, e)
	c.login(city)
	mailWant(t, c.get("/letter/"+sent.ID), http.StatusOK, erika.Address, "Bescheid")
}

// TestMailHostileBody shows a letter's text as text: markup in it is
// escaped, so nothing runs and nothing loads.
func TestMailHostileBody(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	mallory := e.Open(pt.PersonApp("Mallory", "Böse"), false)
	erika := e.Open(pt.PersonApp("Erika", "Vorsicht"), false)
	text := "<script>alert('x')</script>\n<img src=http://evil.example/t.png onerror=alert(2)>\n</pre><a href=\"javascript:alert(3)\">klick</a>"
	mailSend(t, mallory.C, &api.SendRequest{To: []string{erika.Address}, Subject: "<b>Hallo</b>", Text: text})
	id := mailCopy(t, erika.C, "inbox", "<b>Hallo</b>")
	b := newMailBrowser(t, e)
	b.login(erika)
	p := b.get("/letter/" + id)
	mailWant(t, p, http.StatusOK, html.EscapeString("<script>alert('x')</script>"),
		html.EscapeString("<img src=http://evil.example/t.png onerror=alert(2)>"), "&lt;b&gt;Hallo&lt;/b&gt;",
		html.EscapeString(`<a href="javascript:alert(3)">`))
	mailLacks(t, p, "<script>alert", "<img src=http://evil", "<b>Hallo", `href="javascript:`)
	list := b.get("/mail/inbox")
	mailWant(t, list, http.StatusOK, "&lt;b&gt;Hallo&lt;/b&gt;")
	mailLacks(t, list, "<b>Hallo")
}

// TestMailPersonalStepUp hides a personal letter at normal, showing its
// sender and arrival and the way to step up, and shows it at high.
func TestMailPersonalStepUp(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Persönlich", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Geheim"), true)
	mailSend(t, city.High(), &api.SendRequest{To: []string{erika.Address}, Subject: "Nur für Sie", Text: "Der vertrauliche Inhalt",
		Personal: true, PrivateID: "AZ-geheim"})
	id := mailCopy(t, erika.C, "inbox", city.Address)
	b := newMailBrowser(t, e)
	b.login(erika)
	list := b.get("/mail/inbox")
	mailWant(t, list, http.StatusOK, city.Address, "Persönlicher Brief")
	mailLacks(t, list, "Nur für Sie", "AZ-geheim")
	p := b.get("/letter/" + id)
	mailWant(t, p, http.StatusForbidden, city.Address, "§ 5 Abs. 4", `href="/stepup?next=%2Fletter%2F`+id+`"`)
	mailLacks(t, p, "Nur für Sie", "vertrauliche", "AZ-geheim", "/attachment/")
	mailWant(t, b.get("/letter/"+id+"/attachment/0"), http.StatusForbidden)
	// Looking did not count as reading.
	if l, err := erika.C.List(t.Context(), "inbox", 10, ""); err != nil || l.Letters[0].Read {
		t.Fatalf("read at normal: %+v, %v", l, err)
	}
	p = b.stepUp(erika, "/letter/"+id)
	mailWant(t, p, http.StatusOK, "Nur für Sie", "Der vertrauliche Inhalt", "AZ-geheim", "Anmeldeniveau hoch")
	if p.URL.Path != "/letter/"+id {
		t.Errorf("after the step-up at %s", p.URL)
	}
	if l, err := erika.C.List(t.Context(), "inbox", 10, ""); err != nil || !l.Letters[0].Read {
		t.Fatalf("opened at high, not read: %+v, %v", l, err)
	}
}

// TestMailDeleteRestore moves a letter to the trash and back, deletes it
// for good, and shows the delete guard's refusal on the letter.
func TestMailDeleteRestore(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Löscher"), false)
	bert := e.Open(pt.PersonApp("Bert", "Behalter"), false)
	mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: "Weg damit", Text: "x"})
	mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: "Mit Eingangsbestätigung", Text: "x",
		ReceiptConfirmation: true})
	plain := mailCopy(t, bert.C, "inbox", "Weg damit")
	kept := mailCopy(t, bert.C, "inbox", "Mit Eingangsbestätigung")
	b := newMailBrowser(t, e)
	b.login(bert)
	b.get("/letter/" + plain)
	p := b.post("/letter/"+plain+"/delete", url.Values{})
	mailWant(t, p, http.StatusOK, "Der Brief liegt jetzt im Papierkorb.")
	if p.URL.Path != "/mail/inbox" {
		t.Errorf("after the delete at %s", p.URL)
	}
	mailLacks(t, p, "Weg damit")
	mailWant(t, b.get("/mail/trash"), http.StatusOK, "Weg damit")
	p = b.post("/letter/"+plain+"/restore", url.Values{})
	mailWant(t, p, http.StatusOK, "Der Brief ist wiederhergestellt.", "Weg damit")
	mailWant(t, b.get("/mail/inbox"), http.StatusOK, "Weg damit")
	b.post("/letter/"+plain+"/delete", url.Values{})
	p = b.post("/letter/"+plain+"/delete", url.Values{})
	mailWant(t, p, http.StatusOK, "Der Brief ist endgültig gelöscht.")
	mailLacks(t, p, "Weg damit")
	mailWant(t, b.get("/letter/"+plain), http.StatusNotFound)
	mailWant(t, b.post("/letter/"+plain+"/restore", url.Values{}), http.StatusNotFound)

	// 90 days at normal (SPEC "Dispatch options").
	p = b.post("/letter/"+kept+"/delete", url.Values{})
	mailWant(t, p, http.StatusForbidden, "erst ab 31.05.2027", "Mit Eingangsbestätigung")
	mailWant(t, b.get("/mail/inbox"), http.StatusOK, "Mit Eingangsbestätigung")
	p = b.post("/letter/"+kept+"/restore", url.Values{})
	mailWant(t, p, http.StatusConflict, "nicht im Papierkorb")
}

// TestMailEvidencePanel lists a letter's evidence, each checked against
// the authority's root, with its file and its confirmation message.
func TestMailEvidencePanel(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	anna := e.Open(pt.PersonApp("Anna", "Beweis"), false)
	bert := e.Open(pt.PersonApp("Bert", "Empfang"), false)
	sent := mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: "Mit Nachweisen", Text: "x",
		DispatchConfirmation: true, ReceiptConfirmation: true, PrivateID: "AZ-N"})
	b := newMailBrowser(t, e)
	b.login(anna)
	mailWant(t, b.get("/letter/"+sent.ID), http.StatusOK, "Zu diesem Brief gibt es (noch) keine Nachweise")
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/letter/" + sent.ID)
	mailWant(t, p, http.StatusOK, "Nachweise", "Versandbestätigung", "Eingangsbestätigung", bert.Address)
	if n := strings.Count(p.Body, `<span class="badge ok">`); n != 2 {
		t.Errorf("%d valid badges, want 2", n)
	}
	mailLacks(t, p, "badge bad", "nicht geprüft")
	ids := regexp.MustCompile(`href="/evidence/([^"]+)"`).FindAllStringSubmatch(p.Body, -1)
	if len(ids) != 2 {
		t.Fatalf("evidence links: %v", ids)
	}
	f := b.get("/evidence/" + ids[0][1])
	mailWant(t, f, http.StatusOK)
	if ct := f.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/pkcs7-mime") {
		t.Errorf("evidence Content-Type %q", ct)
	}
	if d := f.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment;") || !strings.Contains(d, ".p7m") {
		t.Errorf("evidence Content-Disposition %q", d)
	}
	if ok, detail := e.P.Web.Verify([]byte(f.Body)); !ok {
		t.Errorf("the file downloaded does not verify: %s", detail)
	}
	conf := regexp.MustCompile(`href="/letter/([^"]+)">Bestätigungsnachricht`).FindAllStringSubmatch(p.Body, -1)
	if len(conf) != 2 {
		t.Fatalf("confirmation links: %v", conf)
	}
	c := b.get("/letter/" + conf[0][1])
	mailWant(t, c, http.StatusOK, "Mit Nachweisen", "evidence.p7m", "Prüfung des Nachweises", `<span class="badge ok">`)
	mailLacks(t, c, "badge bad")
	// The recipient has the receipt confirmation, not the dispatch one
	// (DMG §5(7)).
	r := newMailBrowser(t, e)
	r.login(bert)
	p = r.get("/letter/" + mailCopy(t, bert.C, "inbox", "Mit Nachweisen"))
	mailWant(t, p, http.StatusOK, "Eingangsbestätigung", `<span class="badge ok">`)
	mailLacks(t, p, "<td class=\"event\">Versandbestätigung")
	// Someone else's evidence looks missing.
	mailWant(t, r.get("/evidence/"+ids[0][1]), http.StatusNotFound)

	// Without a way to check, the panel says so.
	e.P.Web.Verify = nil
	mailWant(t, b.get("/letter/"+sent.ID), http.StatusOK, "nicht geprüft", "siegel verify")
}

// TestMailCSRF refuses a form posted without the page's token, and
// changes nothing.
func TestMailCSRF(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Fälscher"), false)
	bert := e.Open(pt.PersonApp("Bert", "Bleibt"), false)
	mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: "Bleibt hier", Text: "x"})
	id := mailCopy(t, bert.C, "inbox", "Bleibt hier")
	b := newMailBrowser(t, e)
	b.login(bert)
	mailWant(t, b.post("/letter/"+id+"/delete", url.Values{"csrf": {""}}), http.StatusForbidden)
	mailWant(t, b.post("/letter/"+id+"/delete", url.Values{"csrf": {strings.Repeat("A", 43)}}), http.StatusForbidden)
	if got := mailCopy(t, bert.C, "inbox", "Bleibt hier"); got != id {
		t.Fatal("the letter moved")
	}
	// A page of another site cannot post either, whatever it sends.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/letter/"+id+"/delete", strings.NewReader("csrf="+b.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	mailWant(t, b.do(req), http.StatusForbidden)
	mailCopy(t, bert.C, "inbox", "Bleibt hier")
}
