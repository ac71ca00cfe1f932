package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// TestContacts: the address book through the API (TR PVD-FU §3.1.3.5): a
// holder adds, lists (by name, then address, in pages), reads, changes and
// removes contacts; the address comes back canonical; another holder sees
// none of them and cannot touch them; closing the account deletes them.
func TestContacts(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Adressbuch"), false)
	ben := e.Open(pt.PersonApp("Ben", "Adressbuch"), false)
	c := anna.C

	if l := must[*api.ContactList](t)(c.Contacts(ctx, 0, "")); len(l.Contacts) != 0 || l.Next != "" {
		t.Fatalf("a new address book: %+v", l)
	}
	max := must[*api.Contact](t)(c.AddContact(ctx, &api.ContactRequest{Address: "  Max.Muster@Other.Test ",
		Name: " Max Muster ", Note: "Vermieter\nWohnung 3"}))
	if max.ID == "" || max.Address != "max.muster@other.test" || max.Name != "Max Muster" || max.Note != "Vermieter\nWohnung 3" ||
		max.CreatedAt.IsZero() || !max.UpdatedAt.Equal(max.CreatedAt) {
		t.Fatalf("added: %+v", max)
	}
	bare := must[*api.Contact](t)(c.AddContact(ctx, &api.ContactRequest{Address: ben.Address}))
	must[*api.Contact](t)(c.AddContact(ctx, &api.ContactRequest{Address: "amt@behoerde.test", Name: "Bürgeramt"}))
	must[*api.Contact](t)(c.AddContact(ctx, &api.ContactRequest{Address: "a@behoerde.test", Name: "Bürgeramt"}))

	// By name, then address; the one without a name first.
	want := []string{ben.Address, "a@behoerde.test", "amt@behoerde.test", "max.muster@other.test"}
	var got []string
	cursor := ""
	for range 5 {
		page := must[*api.ContactList](t)(c.Contacts(ctx, 3, cursor))
		for _, x := range page.Contacts {
			got = append(got, x.Address)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("listed in pages of 3: %v, want %v", got, want)
	}
	if all := must[[]api.Contact](t)(c.AllContacts(ctx)); len(all) != 4 {
		t.Fatalf("AllContacts: %d", len(all))
	}
	if g := must[*api.Contact](t)(c.Contact(ctx, max.ID)); *g != *max {
		t.Fatalf("get: %+v, want %+v", g, max)
	}

	// Changing replaces address, name and note.
	e.Clock.Advance(1)
	ch := must[*api.Contact](t)(c.UpdateContact(ctx, max.ID, &api.ContactRequest{Address: "max@other.test", Name: "Max"}))
	if ch.ID != max.ID || ch.Address != "max@other.test" || ch.Name != "Max" || ch.Note != "" ||
		!ch.CreatedAt.Equal(max.CreatedAt) || !ch.UpdatedAt.After(max.UpdatedAt) {
		t.Fatalf("changed: %+v (was %+v)", ch, max)
	}

	// Bad input, each naming its field; nothing changes.
	for _, tc := range []struct {
		req         api.ContactRequest
		code, field string
	}{
		{api.ContactRequest{}, "empty", "address"},
		{api.ContactRequest{Address: "Max Muster <max@other.test>"}, "syntax", "address"},
		{api.ContactRequest{Address: "max@other.test"}, "contact_exists", "address"},
		{api.ContactRequest{Address: "x@other.test", Name: strings.Repeat("n", 201)}, "too_long", "name"},
		{api.ContactRequest{Address: "x@other.test", Name: "Max\x1b[31m"}, "control_character", "name"},
		{api.ContactRequest{Address: "x@other.test", Name: "Max\nMuster"}, "control_character", "name"},
		{api.ContactRequest{Address: "x@other.test", Note: strings.Repeat("ü", 1001)}, "too_long", "note"},
		{api.ContactRequest{Address: "x@other.test", Note: "a\x00b"}, "control_character", "note"},
	} {
		status := http.StatusBadRequest
		if tc.code == "contact_exists" {
			status = http.StatusConflict
		}
		_, err := c.AddContact(ctx, &tc.req)
		wantErr(t, err, status, tc.code, tc.field)
	}
	_, err := c.UpdateContact(ctx, bare.ID, &api.ContactRequest{Address: "MAX@other.test"})
	wantErr(t, err, http.StatusConflict, "contact_exists", "address")
	_, err = c.Contacts(ctx, 0, "!!")
	wantErr(t, err, http.StatusBadRequest, "invalid", "cursor")
	_, err = c.Contacts(ctx, 5000, "")
	wantErr(t, err, http.StatusBadRequest, "invalid", "limit")
	if n := len(must[[]api.Contact](t)(c.AllContacts(ctx))); n != 4 {
		t.Fatalf("after the refusals: %d contacts", n)
	}

	// Only the holder: to Ben, Anna's contacts do not exist.
	if l := must[*api.ContactList](t)(ben.C.Contacts(ctx, 0, "")); len(l.Contacts) != 0 {
		t.Fatalf("Ben sees %d contacts", len(l.Contacts))
	}
	_, err = ben.C.Contact(ctx, max.ID)
	wantErr(t, err, http.StatusNotFound, "not_found", "id")
	_, err = ben.C.UpdateContact(ctx, max.ID, &api.ContactRequest{Address: "evil@other.test"})
	wantErr(t, err, http.StatusNotFound, "not_found", "id")
	wantErr(t, ben.C.RemoveContact(ctx, max.ID), http.StatusNotFound, "not_found", "id")
	_, err = e.Public.Contacts(ctx, 0, "")
	if err == nil {
		t.Fatal("listed contacts without a session")
	}
	// Ben may have the same address in his own book.
	must[*api.Contact](t)(ben.C.AddContact(ctx, &api.ContactRequest{Address: "max@other.test"}))

	if err := c.RemoveContact(ctx, max.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Contact(ctx, max.ID)
	wantErr(t, err, http.StatusNotFound, "not_found", "id")
	wantErr(t, c.RemoveContact(ctx, max.ID), http.StatusNotFound, "not_found", "id")

	// Closing the account deletes the address book.
	must[*api.AdminAccount](t)(e.Officer1.Close(ctx, anna.ID, "Kündigung"))
	err = e.P.Store.View(ctx, func(tx store.Tx) error {
		n, err := tx.CountContacts(anna.ID)
		if n != 0 {
			t.Errorf("after closing, %d contacts are left", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
