package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
)

// TestDiskFullIs503: a write that finds the disk full, in the database or
// in the blob folder, is answered 503 insufficient_storage with Retry-After
// and a message that says so, not 500: nothing was stored, and the same
// request succeeds once space is freed (test/chaos, the full-disk test).
func TestDiskFullIs503(t *testing.T) {
	s := &Server{}
	r := httptest.NewRequest("POST", "/api/v1/letters", nil)
	for _, err := range []error{
		fmt.Errorf("accept: %w: database or disk is full (13)", store.ErrFull),
		fmt.Errorf("store body: blob: put x: %w", &os.PathError{Op: "write", Path: "blobs/x", Err: syscall.ENOSPC}),
	} {
		w := httptest.NewRecorder()
		s.writeError(w, r, err)
		var body ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || body.Error.Code != "insufficient_storage" ||
			!strings.Contains(body.Error.Message, "out of storage space") {
			t.Errorf("%v: got %d Retry-After=%q %+v", err, w.Code, w.Header().Get("Retry-After"), body.Error)
		}
		if strings.Contains(w.Body.String(), "blobs/") || strings.Contains(w.Body.String(), "(13)") {
			t.Errorf("the answer shows the cause: %s", w.Body)
		}
	}
}
