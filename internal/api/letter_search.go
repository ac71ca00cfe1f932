package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// searchSummary is the route's documentation of its query parameters
// (docs/api.md names them from here; TR PVD-FU §3.1.3.8).
const searchSummary = "Search your mailbox, newest first (TR PVD-FU §3.1.3.8), through an index: every parameter given must match. " +
	"q: words, each found at the start of a word of the sender's address, the subject, the file number or the recipients (To and Cc; in your own sent letters Bcc too); " +
	"from, to, subject, file_number: words in that field alone. " +
	"Words match ignoring case and accents, with ä, ö, ü, ß written ae, oe, ue, ss, as addresses are. " +
	"after, before: the arrival, a day YYYY-MM-DD in the provider's time zone (after: from that day; before: up to and including that day) or an RFC 3339 time (after: at or after; before: strictly before); a malformed or reversed range is refused with its field. " +
	"option (repeatable): personal, sender_confirmed, dispatch_confirmation, receipt_confirmation, pickup_confirmation. " +
	"state (repeatable): unread, read (received letters), awaiting_pickup, picked_up (received letters with pickup confirmation). " +
	"folder: inbox, sent, trash, confirmations or f:ID; absent, every folder but the trash, and the trash too with include_trash=true. " +
	"limit (at most 200, default 50), cursor (next of the previous page). " +
	"At normal a personal letter addressed to you matches only by its sender, arrival, personal and its read state, as a listing shows it (DMG §5(4))."

// searchLetters searches the holder's mailbox.
func (s *Server) searchLetters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req := &mailbox.SearchRequest{Query: search.Query{Text: q.Get("q"), From: q.Get("from"), To: q.Get("to"),
		Subject: q.Get("subject"), FileNumber: q.Get("file_number"), After: q.Get("after"), Before: q.Get("before"),
		Options: q["option"], States: q["state"]}, Folder: store.Folder(q.Get("folder")), Limit: limit}
	if v := q.Get("include_trash"); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			s.writeError(w, r, problem.Field("include_trash", "invalid", "include_trash must be true or false"))
			return
		}
		req.IncludeTrash = b
	}
	if v := q.Get("cursor"); v != "" {
		if req.Cursor, err = parseCursor(v); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	p := principal(r)
	found, err := s.Mail.Search(r.Context(), p, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := LetterList{Letters: make([]LetterSummary, 0, len(found.Copies))}
	for i := range found.Copies {
		out.Letters = append(out.Letters, summaryOut(&found.Copies[i], p.Level()))
	}
	if found.Next != nil {
		out.Next = formatCursor(found.Next)
	}
	writeJSON(w, http.StatusOK, out)
}
