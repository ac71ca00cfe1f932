package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/mailbox"
)

// forward fills the form of a forward (?forward=copy id): the subject with
// its prefix and the letter's id, whose text and attachments the service
// adds after what the forwarder writes (TR PVD-FU §3.1.3.6; mailbox/reply.go).
// A letter the reader may not see (Hidden: a personal letter at normal, which
// can be forwarded only at high, DMG §5(4)) gives nothing.
func (s *Server) forward(r *http.Request) url.Values {
	id := r.URL.Query().Get("forward")
	if id == "" {
		return nil
	}
	u := userOf(r)
	c, err := s.Mail.Lookup(r.Context(), u, id)
	if err != nil || mailbox.Hidden(c, u.Level()) {
		return nil
	}
	subject := c.Letter.Subject
	prefix := s.cat.t(langOf(r), "compose.forward_prefix")
	if !strings.HasPrefix(subject, prefix) {
		subject = prefix + subject
	}
	return url.Values{"subject": {subject}, "forward": {c.ID}}
}
