package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

func (s *Server) getLetter(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	o, err := s.Mail.Open(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.letterOut(r, o, p.Level()))
}

func (s *Server) letterOut(r *http.Request, o *mailbox.Opened, level account.Level) Letter {
	m := o.Message
	out := Letter{LetterSummary: summaryOut(o.Copy, level), MessageID: m.MessageID, To: m.To, Cc: m.Cc,
		Bcc: m.Bcc, Text: m.Text, InReplyTo: m.InReplyTo, References: m.References, EndToEnd: m.EndToEnd}
	for i, a := range m.Attachments {
		out.AttachmentList = append(out.AttachmentList, AttachmentInfo{Index: i, Filename: a.Filename,
			ContentType: a.ContentType, Size: len(a.Data)})
	}
	addrs := s.addresses(r, o.Events)
	for _, e := range o.Events {
		out.Events = append(out.Events, Event{Kind: e.Kind, At: e.At, Address: addrs[e.AccountID], Level: string(e.Level)})
	}
	return out
}

// addresses maps the accounts named in events to their addresses.
func (s *Server) addresses(r *http.Request, events []store.Event) map[string]string {
	out := map[string]string{}
	s.Mail.Store.View(r.Context(), func(tx store.Tx) error {
		for _, e := range events {
			if _, ok := out[e.AccountID]; ok {
				continue
			}
			if a, err := tx.AccountByID(e.AccountID); err == nil {
				out[e.AccountID] = a.Address
			}
		}
		return nil
	})
	return out
}
