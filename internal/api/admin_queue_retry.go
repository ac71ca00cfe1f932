package api

import "net/http"

// retryJob makes a job that waits out its backoff due now.
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(officer(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Queue.Retry(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
