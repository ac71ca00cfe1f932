package api

import (
	"net/http"
	"strconv"

	"github.com/siegel-mail/siegel/internal/mailbox"
)

// The trailers that end an export's response (folder_export.go,
// account_export.go): an export is streamed, so only its end can say
// whether it is whole. A client must treat a body without
// Siegel-Export-Status "complete" as broken off.
const (
	TrailerExportStatus   = "Siegel-Export-Status"   // "complete" or "failed"
	TrailerExportLetters  = "Siegel-Export-Letters"  // letters written
	TrailerExportEvidence = "Siegel-Export-Evidence" // evidence files written (an account's archive)
	TrailerExportWithheld = "Siegel-Export-Withheld" // personal letters left out below high (DMG §5(4))
)

// exportStream is an export's response: it starts, with its headers, at
// its first byte, so that an export refused before it begins is answered
// with an error like any other request.
type exportStream struct {
	w           http.ResponseWriter
	contentType string
	disposition string
	started     bool
}

func (e *exportStream) Write(b []byte) (int, error) {
	e.start()
	return e.w.Write(b)
}

func (e *exportStream) start() {
	if e.started {
		return
	}
	e.started = true
	h := e.w.Header()
	h.Set("Content-Type", e.contentType)
	h.Set("Content-Disposition", e.disposition)
	h.Set("Trailer", TrailerExportStatus+", "+TrailerExportLetters+", "+TrailerExportEvidence+", "+TrailerExportWithheld)
	e.w.WriteHeader(http.StatusOK)
}

// finishExport ends an export: with the trailers when it was written
// whole; with an error response when it failed before its first byte;
// with the status "failed" when it broke off after.
func (s *Server) finishExport(w http.ResponseWriter, r *http.Request, e *exportStream, st mailbox.ExportStats, err error) {
	if err != nil && !e.started {
		s.writeError(w, r, err)
		return
	}
	e.start() // an empty folder is an empty mbox
	h := w.Header()
	if err != nil {
		// The mailbox logged why; the client learns only that it broke off.
		h.Set(TrailerExportStatus, "failed")
		return
	}
	h.Set(TrailerExportStatus, "complete")
	h.Set(TrailerExportLetters, strconv.Itoa(st.Letters))
	h.Set(TrailerExportEvidence, strconv.Itoa(st.Evidence))
	h.Set(TrailerExportWithheld, strconv.Itoa(st.Withheld))
}
