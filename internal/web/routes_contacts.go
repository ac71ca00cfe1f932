package web

import "net/http"

// contactRoutes registers the address book of contacts*.go (TR PVD-FU
// §3.1.3.5): the list with the form to add, a contact's page to change or
// remove it, and "add the sender" from a letter. Compose offers the
// contacts (compose.go).
func (s *Server) contactRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /contacts", s.user(s.contacts))
	mux.HandleFunc("POST /contacts", s.user(s.contacts))
	mux.HandleFunc("POST /contacts/sender", s.user(s.contactSender))
	mux.HandleFunc("GET /contacts/{id}", s.user(s.contactEdit))
	mux.HandleFunc("POST /contacts/{id}", s.user(s.contactEdit))
	mux.HandleFunc("POST /contacts/{id}/remove", s.user(s.contactRemove))
}
