package api

import "net/http"

// getApplication shows an application's state to whoever holds its id (handed
// out at application; 80 of its 128 bits are random), and nothing of the
// holder's data.
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) {
	acc, _, err := s.Reg.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, applicationOut(acc))
}
