package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

var contactRow = regexp.MustCompile(`<tr id="c-([0-9a-f]+)">`)

// TestContactsPages: the address book over HTTP (TR PVD-FU §3.1.3.5): a
// holder adds a contact, sees a refusal next to its field with what was
// entered kept, changes and removes a contact; compose offers the book in
// a <datalist>, and a contact picked without JavaScript reaches the letter;
// the letter page adds its sender. Another holder's contact is not found.
func TestContactsPages(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Blättert"), false)
	ben := e.Open(pt.PersonApp("Ben", "Blättert"), false)
	carla := e.Open(pt.PersonApp("Carla", "Schreibt"), false)
	b := newSettingsBrowser(t, e)
	b.loginAt(anna.Address, anna.Password)

	b.get("/contacts")
	b.want(http.StatusOK, "/contacts", "Ihr Adressbuch ist leer.", `href="/contacts" aria-current="page"`)
	// Compose without contacts offers no picker.
	b.get("/compose")
	b.lacks(`list="compose-contacts"`, "/static/contacts.js")

	b.get("/contacts")
	b.submit("/contacts", url.Values{"address": {"Ben <" + ben.Address + ">"}, "name": {"Ben Blättert"}, "note": {"Nachbar"}})
	b.want(http.StatusBadRequest, "/contacts", `id="address-error"`, "keine gültige De-Mail-Adresse", `value="Ben Blättert"`, ">Nachbar</textarea>")
	b.submit("/contacts", url.Values{"address": {ben.Address}, "name": {"Ben Blättert"}, "note": {"Nachbar\nim 2. Stock"}})
	b.want(http.StatusOK, "/contacts", "Der Kontakt ist im Adressbuch.", ben.Address, "Ben Blättert", "im 2. Stock")
	b.submit("/contacts", url.Values{"address": {strings.ToUpper(ben.Address)}})
	b.want(http.StatusConflict, "/contacts", `id="address-error"`, "schon in Ihrem Adressbuch")
	b.submit("/contacts", url.Values{"address": {"x@other.test"}, "name": {"a\tb"}})
	b.want(http.StatusBadRequest, "/contacts", `id="name-error"`, "Steuerzeichen")
	m := contactRow.FindStringSubmatch(b.last.Body)
	if m == nil {
		t.Fatalf("no contact row:\n%s", b.last.main())
	}
	id := m[1]

	// Compose offers it, and a contact picked without JavaScript is sent to.
	b.get("/compose")
	b.want(http.StatusOK, "/compose", `<datalist id="compose-contacts">`, `<option value="`+ben.Address+`">Ben Blättert</option>`,
		`list="compose-contacts"`, `name="to_contact"`, `name="cc_contact"`, `name="bcc_contact"`, "/static/contacts.js")
	b.submit("/compose", url.Values{"to": {carla.Address}, "to_contact": {ben.Address}, "subject": {"Über das Adressbuch"}, "text": {"Hallo"}})
	if b.last.Status != http.StatusOK || !strings.HasPrefix(b.last.URL.Path, "/letter/") {
		t.Fatalf("sending with a contact picked: %d at %s:\n%s", b.last.Status, b.last.URL, b.last.main())
	}
	for _, u := range []*pt.User{ben, carla} {
		if got := mailCopy(t, u.C, "inbox", "Über das Adressbuch"); got == "" {
			t.Errorf("%s got no letter", u.Address)
		}
	}
	// A refused letter shows the picked contact in its field.
	b.get("/compose")
	b.submit("/compose", url.Values{"to_contact": {ben.Address}, "cc": {"niemand@" + e.Domain}, "subject": {"x"}, "text": {"x"}})
	if b.last.Status == http.StatusOK || !strings.Contains(b.last.Body, ">"+ben.Address+"</textarea>") {
		t.Errorf("the refused letter: %d\n%s", b.last.Status, b.last.main())
	}

	// Change, refuse, remove.
	b.get("/contacts/" + id)
	b.want(http.StatusOK, "/contacts/"+id, `value="`+ben.Address+`"`, "Kontakt ändern")
	b.submit("/contacts/"+id, url.Values{"address": {ben.Address}, "name": {"Ben"}, "note": {strings.Repeat("n", 1001)}})
	b.want(http.StatusBadRequest, "/contacts/"+id, `id="note-error"`, "1.000 Zeichen")
	b.submit("/contacts/"+id, url.Values{"address": {ben.Address}, "name": {"Ben B."}})
	b.want(http.StatusOK, "/contacts", "Der Kontakt ist gespeichert.", "Ben B.")
	b.lacks("im 2. Stock")

	// Carla's browser: Anna's contact is none of hers.
	cb := newSettingsBrowser(t, e)
	cb.loginAt(carla.Address, carla.Password)
	cb.get("/contacts/" + id)
	if cb.last.Status != http.StatusNotFound {
		t.Errorf("another holder's contact: %d", cb.last.Status)
	}
	cb.get("/contacts")
	cb.submit("/contacts/"+id+"/remove", url.Values{})
	if cb.last.Status != http.StatusNotFound {
		t.Errorf("removing another holder's contact: %d", cb.last.Status)
	}

	b.get("/contacts")
	b.submit("/contacts/"+id+"/remove", url.Values{})
	b.want(http.StatusOK, "/contacts", "Der Kontakt ist entfernt.", "Ihr Adressbuch ist leer.")

	// The letter page adds its sender, named as the letter names them.
	copyID := mailCopy(t, ben.C, "inbox", "Über das Adressbuch")
	bb := newSettingsBrowser(t, e)
	bb.loginAt(ben.Address, ben.Password)
	bb.get("/letter/" + copyID)
	bb.want(http.StatusOK, "/letter/"+copyID, `action="/contacts/sender"`, "Absender ins Adressbuch")
	bb.submit("/contacts/sender", url.Values{"letter": {copyID}, "name": {"Anna Blättert"}})
	if bb.last.Status != http.StatusOK || !strings.HasPrefix(bb.last.URL.Path, "/contacts/") {
		t.Fatalf("add sender: %d at %s:\n%s", bb.last.Status, bb.last.URL, bb.last.main())
	}
	bb.want(http.StatusOK, bb.last.URL.Path, "Der Kontakt ist im Adressbuch.", `value="`+anna.Address+`"`, `value="Anna Blättert"`)
	bb.get("/letter/" + copyID)
	bb.submit("/contacts/sender", url.Values{"letter": {copyID}})
	bb.want(http.StatusOK, bb.last.URL.Path, "schon in Ihrem Adressbuch")
	// A letter that is not in this mailbox adds nobody.
	bb.get("/contacts")
	bb.submit("/contacts/sender", url.Values{"letter": {"0123456789abcdef0123456789abcdef"}})
	if bb.last.Status != http.StatusNotFound {
		t.Errorf("add the sender of a letter not here: %d", bb.last.Status)
	}
	if l, err := ben.C.Contacts(t.Context(), 0, ""); err != nil || len(l.Contacts) != 1 || l.Contacts[0].Name != "Anna Blättert" {
		t.Errorf("Ben's book through the API: %+v, %v", l, err)
	}
}
