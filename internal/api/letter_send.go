package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
)

func (s *Server) sendLetter(w http.ResponseWriter, r *http.Request) {
	var req SendRequest
	// Attachments travel base64 in JSON: a third larger, plus room for the rest.
	if err := decode(r, &req, s.MaxMessageBytes*4/3+smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	d := mailbox.Draft{To: req.To, Cc: req.Cc, Bcc: req.Bcc, Subject: req.Subject, Text: req.Text,
		Options: letter.Options{Personal: req.Personal, SenderConfirmed: req.SenderConfirmed,
			DispatchConfirmation: req.DispatchConfirmation, ReceiptConfirmation: req.ReceiptConfirmation,
			PickupConfirmation: req.PickupConfirmation, PrivateID: req.PrivateID},
		ReplyTo: req.ReplyTo, Forward: req.Forward}
	for _, a := range req.Attachments {
		d.Attachments = append(d.Attachments, letter.Attachment{Filename: a.Filename,
			ContentType: a.ContentType, Data: a.Data})
	}
	acc, err := s.Mail.Submit(r.Context(), principal(r), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := SendResponse{ID: acc.SentCopy.ID, LetterID: acc.Letter.ID, MessageID: acc.Letter.MessageID,
		AcceptedAt: acc.Letter.SubmittedAt}
	// A reply may have had its recipients filled in (mailbox.prepare).
	out.Recipients = acc.Recipients()
	writeJSON(w, http.StatusCreated, out)
}
