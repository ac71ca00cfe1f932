package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestComposeErrorNextToField refuses a letter with a bad recipient: the
// message stands next to that field, naming the address, and everything
// entered is still there.
func TestComposeErrorNextToField(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Schreiber"), false)
	bert := e.Open(pt.PersonApp("Bert", "Leser"), false)
	b := newMailBrowser(t, e)
	b.login(anna)
	mailWant(t, b.get("/compose"), http.StatusOK, `name="csrf"`, `enctype="multipart/form-data"`, "/static/compose.js")
	form := url.Values{"to": {bert.Address}, "cc": {"kein adresse"}, "subject": {"Mein Antrag"},
		"text": {"Sehr geehrte Damen und Herren,\r\nich beantrage <etwas>."}, "private_id": {"Az. 17"},
		"dispatch_confirmation": {"1"}}
	p := b.postMultipart("/compose", form, mailFile{Name: "a.txt", Type: "text/plain", Data: []byte("anhang")})
	mailWant(t, p, http.StatusBadRequest, `id="cc-error"`, "„kein adresse“ ist keine gültige Adresse",
		`value="Mein Antrag"`, "ich beantrage &lt;etwas&gt;.", `value="Az. 17"`, bert.Address,
		"Bitte wählen Sie die Anhänge noch einmal aus")
	if !regexp.MustCompile(`id="cc"[^>]*aria-invalid="true"`).MatchString(p.Body) {
		t.Error("cc is not marked invalid")
	}
	if !regexp.MustCompile(`id="opt-dispatch_confirmation"[^>]*checked`).MatchString(p.Body) {
		t.Error("the option chosen is not kept")
	}
	mailLacks(t, p, `id="to-error"`)

	// A recipient not in service here, in English.
	b.lang = "en"
	form.Set("cc", "")
	form.Set("to", bert.Address+",\nniemand@"+e.Domain)
	p = b.postMultipart("/compose", form)
	mailWant(t, p, http.StatusBadRequest, `id="to-error"`, "niemand@"+e.Domain+" is not in service here.")
	// An option this sender may not choose, next to the option.
	form.Set("to", bert.Address)
	form.Set("pickup_confirmation", "1")
	p = b.postMultipart("/compose", form)
	mailWant(t, p, http.StatusForbidden, `id="pickup_confirmation-error"`, "Only authorities entitled to formal service")
	// Nothing was sent.
	if l, err := anna.C.List(t.Context(), "sent", 10, ""); err != nil || len(l.Letters) != 0 {
		t.Fatalf("sent: %+v, %v", l, err)
	}
	// Too large for the provider's limit: refused before it is read.
	form.Del("pickup_confirmation")
	big := make([]byte, e.P.Web.MaxMessageBytes+1)
	p = b.postMultipart("/compose", form, mailFile{Name: "gross.bin", Type: "application/octet-stream", Data: big})
	if p.Status != http.StatusRequestEntityTooLarge || !strings.Contains(p.Body, `id="attachments-error"`) {
		t.Errorf("a letter too large: %d", p.Status)
	}
}

// TestComposeSends sends a letter with attachments and options, lands on
// the sent letter with a notice that tells the script to drop the draft.
func TestComposeSends(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Senderin"), false)
	bert := e.Open(pt.PersonApp("Bert", "Bekommt"), false)
	carl := e.Open(pt.PersonApp("Carl", "Kopie"), false)
	b := newMailBrowser(t, e)
	b.login(anna)
	b.get("/compose")
	p := b.postMultipart("/compose", url.Values{"to": {" " + strings.ToUpper(bert.Address) + " "}, "bcc": {carl.Address},
		"subject": {"Widerspruch"}, "text": {"Zeile eins\r\nZeile zwei"}, "private_id": {"AZ 9"},
		"dispatch_confirmation": {"1"}, "receipt_confirmation": {"1"}},
		mailFile{Name: "Widerspruch.pdf", Type: "application/pdf", Data: []byte("%PDF")},
		mailFile{Name: "Anlage ö.txt", Type: "text/plain; charset=utf-8", Data: []byte("zwei")})
	mailWant(t, p, http.StatusOK, "Ihr Brief ist versandt", "data-draft-sent=\"siegel-draft:"+anna.Address+"\"",
		"Widerspruch", "Zeile eins\nZeile zwei", "Versandbestätigung", "Widerspruch.pdf", "Anlage ö.txt", carl.Address)
	if !strings.HasPrefix(p.URL.Path, "/letter/") || p.URL.Query().Get("done") != "sent" {
		t.Errorf("after sending at %s", p.URL)
	}
	for _, u := range []*pt.User{bert, carl} {
		id := mailCopy(t, u.C, "inbox", "Widerspruch")
		l, err := u.C.Letter(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Text != "Zeile eins\nZeile zwei" || len(l.AttachmentList) != 2 || l.Options == nil ||
			!l.Options.DispatchConfirmation || !l.Options.ReceiptConfirmation || l.Options.PrivateID != "AZ 9" {
			t.Errorf("%s got %+v", u.Address, l)
		}
		data, err := u.C.Attachment(t.Context(), id, 1)
		if err != nil || string(data) != "zwei" {
			t.Errorf("attachment: %q, %v", data, err)
		}
		if u == bert && len(l.Bcc) != 0 {
			t.Errorf("bert sees the bcc: %v", l.Bcc)
		}
	}
	// A reply starts with the sender, the subject and the file number.
	c := newMailBrowser(t, e)
	c.login(bert)
	p = c.get("/compose?reply=" + mailCopy(t, bert.C, "inbox", "Widerspruch"))
	mailWant(t, p, http.StatusOK, ">"+anna.Address+"</textarea>", `value="AW: Widerspruch"`, `value="AZ 9"`)
}

// TestComposeOptions shows each option with what it means, and those not
// open to this sender now disabled with the reason.
func TestComposeOptions(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	erika := e.Open(pt.PersonApp("Erika", "Normal"), true)
	city := e.Open(pt.OrgApp("authority", "Stadt Zustellung", true), true)
	b := newMailBrowser(t, e)
	b.login(erika)
	p := b.get("/compose")
	mailWant(t, p, http.StatusOK, "VwVfG", "VwZG", "§ 5 Abs. 4", "Nur für Behörden, die zur förmlichen Zustellung berechtigt sind.",
		"Nur mit zweitem Faktor angemeldet (Niveau hoch).", `href="/stepup?next=%2Fcompose"`)
	for name, disabled := range map[string]bool{"personal": true, "sender_confirmed": true, "dispatch_confirmation": false,
		"receipt_confirmation": false, "pickup_confirmation": true} {
		re := regexp.MustCompile(`<input type="checkbox" id="opt-` + name + `"[^>]*>`)
		tag := re.FindString(p.Body)
		if tag == "" || strings.Contains(tag, "disabled") != disabled {
			t.Errorf("%s: %q, want disabled %v", name, tag, disabled)
		}
	}
	// At high, an authority entitled to formal service may choose all.
	c := newMailBrowser(t, e)
	c.login(city)
	p = c.stepUp(city, "/compose")
	mailWant(t, p, http.StatusOK, "Abholbestätigung (förmliche Zustellung)")
	if n := strings.Count(p.Body, " disabled"); n != 0 {
		t.Errorf("%d options disabled at high", n)
	}
	// And sends a personal letter, which Erika cannot read at normal.
	p = c.postMultipart("/compose", url.Values{"to": {erika.Address}, "subject": {"Förmlich"}, "text": {"x"},
		"pickup_confirmation": {"1"}})
	mailWant(t, p, http.StatusOK, "Ihr Brief ist versandt", "Abholbestätigung", "persönlich")
	list, err := erika.C.List(t.Context(), "inbox", 10, "")
	if err != nil || len(list.Letters) != 1 || !list.Letters[0].ContentHidden {
		t.Fatalf("erika's inbox: %+v, %v", list, err)
	}
}

// TestComposeCheck answers the script's address check as sending would,
// in the page's language.
func TestComposeCheck(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Prüft"), false)
	bert := e.Open(pt.PersonApp("Bert", "Ohnefaktor"), false)
	b := newMailBrowser(t, e)
	check := func(addr string, personal bool) (int, bool, string) {
		t.Helper()
		q := "/compose/check?address=" + url.QueryEscape(addr)
		if personal {
			q += "&personal=1"
		}
		p := b.get(q)
		var a struct {
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(p.Body), &a); err != nil {
			t.Fatalf("%s: %q: %v", q, p.Body, err)
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		return p.Status, a.OK, a.Message
	}
	if status, ok, _ := check(bert.Address, false); status != http.StatusUnauthorized || ok {
		t.Errorf("without a session: %d %v", status, ok)
	}
	b.login(anna)
	for _, c := range []struct {
		addr     string
		personal bool
		ok       bool
		msg      string
	}{
		{bert.Address, false, true, "Adresse erreichbar."},
		{" " + strings.ToUpper(bert.Address), false, true, "Adresse erreichbar."},
		{"niemand@" + e.Domain, false, false, "niemand@" + e.Domain + " ist hier nicht in Gebrauch."},
		{"kein adresse", false, false, "„kein adresse“ ist keine gültige Adresse"},
		{"jemand@example.com", false, false, "Kein akkreditierter Anbieter"},
		{"versandbestaetigung@" + e.Domain, false, false, "ist hier nicht in Gebrauch"},
		// At normal, anna may not send a personal letter: the check
		// tells no more than sending would.
		{bert.Address, true, true, "Adresse erreichbar."},
	} {
		status, ok, msg := check(c.addr, c.personal)
		if status != http.StatusOK || ok != c.ok || !strings.Contains(msg, c.msg) {
			t.Errorf("check %q: %d %v %q, want %v %q", c.addr, status, ok, msg, c.ok, c.msg)
		}
	}
	b.lang = "en"
	if _, ok, msg := check("niemand@"+e.Domain, false); ok || msg != "niemand@"+e.Domain+" is not in service here." {
		t.Errorf("in English: %v %q", ok, msg)
	}
}

// TestComposeCSRF refuses a letter posted without the form's token, and
// sends nothing.
func TestComposeCSRF(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Ohnetoken"), false)
	bert := e.Open(pt.PersonApp("Bert", "Nichts"), false)
	b := newMailBrowser(t, e)
	b.login(anna)
	p := b.postMultipart("/compose", url.Values{"csrf": {""}, "to": {bert.Address}, "subject": {"Gefälscht"}, "text": {"x"}})
	mailWant(t, p, http.StatusForbidden, "ein angefangener Brief bleibt in diesem Browser erhalten")
	list, err := anna.C.List(t.Context(), "sent", 10, "")
	if err != nil || len(list.Letters) != 0 {
		t.Fatalf("sent: %+v, %v", list, err)
	}
	if l, err := bert.C.List(t.Context(), "inbox", 10, ""); err != nil || len(l.Letters) != 0 {
		t.Fatalf("bert's inbox: %+v, %v", l, err)
	}
}
