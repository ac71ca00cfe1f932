package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

func (s *Server) listLetters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	folder := store.Folder(q.Get("folder"))
	if folder == "" {
		folder = store.Inbox
	}
	limit, err := pageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var cur *store.Cursor
	if v := q.Get("cursor"); v != "" {
		c, err := parseCursor(v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		cur = c
	}
	p := principal(r)
	copies, next, err := s.Mail.List(r.Context(), p, folder, cur, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := LetterList{Letters: make([]LetterSummary, 0, len(copies))}
	for i := range copies {
		out.Letters = append(out.Letters, summaryOut(&copies[i], p.Level()))
	}
	if next != nil {
		out.Next = formatCursor(next)
	}
	writeJSON(w, http.StatusOK, out)
}

// A cursor is opaque to clients: base64 of "unixmicro:id".
func formatCursor(c *store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Arrived.UnixMicro(), 10) + ":" + c.ID))
}

func parseCursor(v string) (*store.Cursor, error) {
	bad := problem.Field("cursor", "invalid", "cursor must be a value returned as next by a listing")
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, bad
	}
	ts, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &store.Cursor{Arrived: time.UnixMicro(n).UTC(), ID: id}, nil
}

// pageLimit is a listing's ?limit=, 0 when absent (the service's default).
func pageLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, problem.Field("limit", "invalid", "limit must be a positive number")
	}
	return n, nil
}
