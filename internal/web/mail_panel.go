package web

import (
	"net/http"
	"time"
)

// The evidence panel of the letter page: every confirmation the reader
// may have of the letter (the sender all, a recipient those of their own
// copy; DMG §5(7)–(9)), each checked here as `siegel verify` checks it.

type evidenceView struct {
	ID           string
	Event        string // a message key, or the ETSI EN 319 522 name when there is none
	At           time.Time
	Recipient    string
	Confirmation string // the reader's copy of the confirmation message, "" when none
	Verdict      verdict
}

// verdict is the check of one evidence file: State "ok", "bad", or
// "none" when this provider has nothing to check against.
type verdict struct {
	State string
	Label string // in the page's language
	// Detail says why it failed, in the verifier's (English) words, or
	// why there was no check.
	Detail string
}

// verify checks an evidence file: signature, seal certificate up to the
// authority's root, time-stamp, trust list (Server.Verify).
func (s *Server) verify(lang string, file []byte) verdict {
	if s.Verify == nil {
		return verdict{State: "none", Label: s.cat.t(lang, "mail.ev.na"), Detail: s.cat.t(lang, "mail.ev.na.help")}
	}
	ok, detail := s.Verify(file)
	if ok {
		return verdict{State: "ok", Label: s.cat.t(lang, "mail.ev.ok")}
	}
	return verdict{State: "bad", Label: s.cat.t(lang, "mail.ev.bad"), Detail: detail}
}

// evidencePanel lists the evidence of copy id with the check of each.
func (s *Server) evidencePanel(r *http.Request, lang, id string) ([]evidenceView, error) {
	items, err := s.Mail.Evidence(r.Context(), userOf(r), id)
	if err != nil {
		return nil, err
	}
	out := make([]evidenceView, 0, len(items))
	for _, e := range items {
		ev := evidenceView{ID: e.ID, Event: e.Event, At: e.At, Recipient: e.Recipient,
			Confirmation: e.Confirmation, Verdict: s.verify(lang, e.File)}
		if k := "mail.ev." + e.Event; s.cat.has(k) {
			ev.Event = k
		}
		out = append(out, ev)
	}
	return out, nil
}
