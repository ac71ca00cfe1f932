package api

import "net/http"

// getEvidence gives an evidence file as signed: DER CMS (CAdES B-T), which
// `siegel verify` and `openssl cms -verify` check offline.
func (s *Server) getEvidence(w http.ResponseWriter, r *http.Request) {
	e, err := s.Mail.EvidenceFile(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkcs7-mime; smime-type=signed-data")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Event+"-"+e.ID+`.p7m"`)
	w.Write(e.File)
}
