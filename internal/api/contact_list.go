package api

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// listContacts lists the holder's address book (TR PVD-FU §3.1.3.5).
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var after *store.ContactCursor
	if v := q.Get("cursor"); v != "" {
		c, err := parseContactCursor(v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		after = c
	}
	list, next, err := s.Contacts.List(r.Context(), principal(r), after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := ContactList{Contacts: make([]Contact, 0, len(list))}
	for i := range list {
		out.Contacts = append(out.Contacts, contactOut(&list[i]))
	}
	if next != nil {
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(next.Name + "\x00" + next.Address))
	}
	writeJSON(w, http.StatusOK, out)
}

// A contact cursor is opaque to clients: base64 of "name NUL address".
func parseContactCursor(v string) (*store.ContactCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	name, addr, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || addr == "" {
		return nil, problem.Field("cursor", "invalid", "cursor must be a value returned as next by a listing")
	}
	return &store.ContactCursor{Name: name, Address: addr}, nil
}

func contactOut(c *store.Contact) Contact {
	return Contact{ID: c.ID, Address: c.Address, Name: c.Name, Note: c.Note, CreatedAt: c.CreatedAt.UTC(),
		UpdatedAt: c.UpdatedAt.UTC()}
}
