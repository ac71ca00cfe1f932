package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/siegel-mail/siegel/internal/account"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestQuotaBanner: the mail pages say, in German and in English, when the
// mailbox is nearly full; the compose page says before the letter is
// written that a full mailbox cannot send, and a letter written anyway is
// refused with that reason, stored nowhere.
func TestQuotaBanner(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	anna := e.Open(pt.PersonApp("Anna", "Platzmangel"), false)
	bert := e.Open(pt.PersonApp("Bert", "Bekommt"), false)
	b := newMailBrowser(t, e)
	b.login(anna)
	mailLacks(t, b.get("/mail/inbox"), "data-quota")
	mailLacks(t, b.get("/compose"), "data-quota")

	e.FillMailbox(anna.Address, account.MinQuota*92/100)
	mailWant(t, b.get("/mail/inbox"), http.StatusOK, `data-quota="low"`,
		"Ihr Postfach ist fast voll: 92,0 MiB von 100,0 MiB belegt (92 %). Ist es voll, können Sie keine Briefe mehr versenden.")
	mailWant(t, b.get("/mail/trash"), http.StatusOK, `data-quota="low"`)
	b.lang = "en"
	b.post("/lang", url.Values{"lang": {"en"}, "back": {"/mail/sent"}})
	p := b.get("/mail/sent")
	mailWant(t, p, http.StatusOK, `data-quota="low"`,
		"Your mailbox is nearly full: 92.0 MiB of 100.0 MiB used (92 %). Once it is full you cannot send letters.")
	// Nearly full still sends.
	p = b.get("/compose")
	mailWant(t, p, http.StatusOK, `data-quota="low"`)
	mailLacks(t, p, `data-quota="full"`)
	sent := b.postMultipart("/compose", url.Values{"to": {bert.Address}, "subject": {"Noch Platz"}, "text": {"t"}})
	mailWant(t, sent, http.StatusOK, "Noch Platz")

	e.FillMailbox(anna.Address, account.MinQuota*8/100)
	p = b.get("/compose")
	mailWant(t, p, http.StatusOK, `data-quota="full"`, `role="alert"`,
		"Your mailbox is full: 100.0 MiB of 100.0 MiB used. You cannot send letters until you free space",
		"empty the trash", "Letters to you still arrive.")
	refused := b.postMultipart("/compose", url.Values{"to": {bert.Address}, "subject": {"Kein Platz"}, "text": {"t"}})
	mailWant(t, refused, http.StatusForbidden, "The letter was not sent: your mailbox is full.", `data-quota="full"`,
		`value="Kein Platz"`)
	b.post("/lang", url.Values{"lang": {"de"}, "back": {"/compose"}})
	b.lang = ""
	mailWant(t, b.get("/compose"), http.StatusOK, `data-quota="full"`,
		"Ihr Postfach ist voll: 100,0 MiB von 100,0 MiB belegt. Sie können keine Briefe versenden, bis Sie Platz schaffen")
	for _, l := range folderSubjects(t, anna, "sent") {
		if l == "Kein Platz" {
			t.Error("the refused letter is in Sent")
		}
	}
}

func folderSubjects(t *testing.T, u *pt.User, folder string) []string {
	t.Helper()
	list, err := u.C.List(t.Context(), folder, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range list.Letters {
		out = append(out, l.Subject)
	}
	return out
}

// TestOfficerQuota: the officer's account page shows the mailbox's usage
// and sets a quota of its own, refusing less than 100 MiB next to the
// field; the change is in the history.
func TestOfficerQuota(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	amt := e.Open(pt.OrgApp("authority", "Kreisverwaltung Platzhausen", false), false)
	e.FillMailbox(amt.Address, 60<<20)
	o := regOfficer(t, e, "Olga Kontingent")
	page := "/officer/account/" + amt.ID
	o.get(page).want(t, http.StatusOK, `id="h-quota"`, "60,0 MiB von 100,0 MiB belegt (60 %)", "Standard des Anbieters",
		`action="/officer/account/`+amt.ID+`/quota"`, `name="mib"`, `value="100"`)
	o.post(page+"/quota", url.Values{"mib": {"50"}}).want(t, http.StatusBadRequest, `id="mib-error"`,
		"Das Kontingent muss 100 bis 1048576 MiB betragen")
	o.post(page+"/quota", url.Values{"mib": {"viel"}}).want(t, http.StatusBadRequest, `id="mib-error"`)
	done := o.post(page+"/quota", url.Values{"mib": {"400"}})
	done.want(t, http.StatusOK, "Das Kontingent ist gesetzt", "60,0 MiB von 400,0 MiB belegt (15 %)", "eigenes Kontingent",
		"Speicherkontingent gesetzt", `value="400"`)
	if done.URL.Query().Get("done") != "quota_set" {
		t.Errorf("after setting the quota at %s", done.URL)
	}
	if q, err := amt.C.Quota(t.Context()); err != nil || q.QuotaBytes != 400<<20 {
		t.Errorf("the holder's quota after the officer's: %+v, %v", q, err)
	}
}
