package api

import (
	"net/http"
	"strconv"

	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// listQueue shows operators the queued work, earliest due first.
func (s *Server) listQueue(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(officer(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, r, problem.Field("limit", "invalid", "limit must be a number"))
			return
		}
		limit = n
	}
	failing := false
	switch v := q.Get("failing"); v {
	case "", "false":
	case "true":
		failing = true
	default:
		s.writeError(w, r, problem.Field("failing", "invalid", "failing must be true or false, not %q", v))
		return
	}
	var after *store.JobCursor
	if v := q.Get("cursor"); v != "" {
		c, err := parseCursor(v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		after = &store.JobCursor{RunAt: c.Arrived, ID: c.ID}
	}
	jobs, next, err := s.Queue.List(r.Context(), q.Get("kind"), failing, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := QueueList{Jobs: make([]QueueJob, 0, len(jobs))}
	now := s.Clock.Now()
	for _, j := range jobs {
		qj := QueueJob{ID: j.ID, Kind: j.Kind, Key: j.Key, RunAt: j.RunAt, Attempts: j.Attempts,
			LastError: j.LastError, CreatedAt: j.CreatedAt}
		if j.LeasedBy != "" && j.LeaseUntil.After(now) {
			until := j.LeaseUntil
			qj.LeasedBy, qj.LeaseUntil = j.LeasedBy, &until
		}
		out.Jobs = append(out.Jobs, qj)
	}
	if next != nil {
		out.Next = formatCursor(&store.Cursor{Arrived: next.RunAt, ID: next.ID})
	}
	writeJSON(w, http.StatusOK, out)
}
