package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

type letterData struct {
	ID       string
	Folder   store.Folder // where the copy is
	Mine     bool         // the reader sent it
	From     string
	FromName string
	Identity string // a message key, see identityKey
	System   bool   // from a provider's own address: nobody to reply to
	Provider string
	Arrived  time.Time
	// Hidden: a personal letter at normal shows its sender and arrival
	// only, and a way to step up (DMG §5(4); TR PVD-FU §3.3.1).
	Hidden    bool
	StepUp    string
	CanStepUp bool // the account has a second factor

	Date        time.Time
	Level       account.Level // X-de-mail-auth-level: the sender's login at sending
	To, Cc, Bcc []string
	Subject     string
	PrivateID   string
	Options     []letterOption
	Text        string
	Attachments []attachmentView
	// HTMLPart: the letter has an HTML version, which is never shown
	// here (it could run or load things), only offered as a file.
	HTMLPart bool
	// EndToEnd: the sender's client signed or encrypted the content
	// (letter.EndToEnd), which came unchanged (TR PVD-FU §3.2.2); the
	// reader's own program checks or decrypts it.
	EndToEnd string
	// Confirmation: a confirmation message, whose evidence file is
	// checked like the panel's.
	Confirmation bool
	Evidence     []evidenceView
	EvidenceErr  bool
	JustSent     bool // tells compose.js to drop the draft
	// FolderURL is the page of the folder the copy is in; MoveTo where
	// it may be moved, CopyTo where a copy of it may be filed (folders.go).
	FolderURL string
	MoveTo    []moveOption
	CopyTo    []moveOption
}

type letterOption struct{ Name, Help string } // message keys

type attachmentView struct {
	N       int
	Name    string
	Type    string
	Size    string
	Verdict *verdict // the check of a confirmation's evidence file
}

// letter shows a letter: its sender and who they are, its recipients,
// options, text as text, attachments, and its evidence with the check of
// each file.
func (s *Server) letter(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "mail.letter.title")
	p.Notice = noticeOf(r)
	s.showLetter(w, r, p, r.PathValue("id"), http.StatusOK)
}

// showLetter renders letter id on p with status, also after a refused
// action, whose message p carries.
func (s *Server) showLetter(w http.ResponseWriter, r *http.Request, p *Page, id string, status int) {
	ctx, u := r.Context(), p.User
	c, err := s.Mail.Lookup(ctx, u, id)
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	l := c.Letter
	d := &letterData{ID: c.ID, Folder: c.Folder, Mine: c.Role == "sender", From: l.SenderAddress, Arrived: c.Arrived,
		JustSent: p.Notice == "mail.done.sent", FolderURL: folderURL(c.Folder)}
	d.MoveTo, d.CopyTo = s.moveOptions(r, c)
	p.Data = d
	ident, err := s.Mail.SenderOf(ctx, l)
	if err != nil {
		// The letter can still be read; only who sent it is less clear.
		s.Log.Warn("web: sender's identity", "letter", l.ID, "err", err)
	}
	d.Identity, d.Provider = identityKey(ident)
	d.System = ident.System
	if mailbox.Hidden(c, u.Level()) {
		d.Hidden, d.StepUp, d.CanStepUp = true, stepUpURL("/letter/"+c.ID), u.Account.SecondFactor()
		if status == http.StatusOK {
			status = http.StatusForbidden
		}
		s.render(w, r, "mail_letter", p, status)
		return
	}
	o, err := s.Mail.Open(ctx, u, id)
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	m := o.Message
	l = o.Copy.Letter
	d.FromName, d.Date, d.Level, d.To, d.Cc, d.Bcc = m.FromName, m.Date, m.AuthLevel, m.To, m.Cc, m.Bcc
	d.Subject, d.PrivateID, d.Text, d.EndToEnd = m.Subject, l.PrivateID, m.Text, m.EndToEnd
	d.Confirmation = strings.HasPrefix(m.Type, "confirmation of")
	for _, o := range []struct {
		on   bool
		name string
	}{{l.Personal, "personal"}, {l.SenderConfirmed, "sender_confirmed"}, {l.DispatchConfirmation, "dispatch_confirmation"},
		{l.ReceiptConfirmation, "receipt_confirmation"}, {l.PickupConfirmation, "pickup_confirmation"}} {
		if o.on {
			d.Options = append(d.Options, letterOption{Name: "mail.opt." + o.name, Help: "mail.help." + o.name})
		}
	}
	for i, a := range m.Attachments {
		av := attachmentView{N: i, Name: safeFilename(a.Filename, i), Type: a.ContentType, Size: size(p.Lang, len(a.Data))}
		if a.Filename == "" && strings.HasPrefix(a.ContentType, "text/html") {
			d.HTMLPart = true
			av.Name = "letter.html"
		}
		if d.Confirmation && strings.HasSuffix(a.Filename, ".p7m") {
			v := s.verify(p.Lang, a.Data)
			av.Verdict = &v
		}
		d.Attachments = append(d.Attachments, av)
	}
	if d.Evidence, err = s.evidencePanel(r, p.Lang, id); err != nil {
		s.Log.Error("web: evidence panel", "copy", id, "err", err)
		d.EvidenceErr = true
	}
	s.render(w, r, "mail_letter", p, status)
}
