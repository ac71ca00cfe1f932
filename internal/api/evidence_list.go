package api

import "net/http"

// listEvidence lists a letter's evidence: the sender's proof of each event,
// or a recipient's of their own copy.
func (s *Server) listEvidence(w http.ResponseWriter, r *http.Request) {
	items, err := s.Mail.Evidence(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := EvidenceList{Evidence: []EvidenceInfo{}}
	for _, e := range items {
		out.Evidence = append(out.Evidence, EvidenceInfo{ID: e.ID, Event: e.Event, At: e.At, Recipient: e.Recipient,
			Confirmation: e.Confirmation, Size: len(e.File)})
	}
	writeJSON(w, http.StatusOK, out)
}
