package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
)

// TestDatabaseUnavailableIs503: a store that cannot reach its database
// answers 503 "unavailable" with Retry-After, so that clients and load
// balancers retry instead of reporting a failure (docs/operations.md).
func TestDatabaseUnavailableIs503(t *testing.T) {
	s := &Server{}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/v1/letters", nil)
	s.writeError(w, r, fmt.Errorf("accept: %w: connection refused", store.ErrUnavailable))
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != 503 || w.Header().Get("Retry-After") != "1" || body.Error.Code != "unavailable" || body.Error.Message == "" {
		t.Fatalf("got %d Retry-After=%q %+v", w.Code, w.Header().Get("Retry-After"), body.Error)
	}
	// Any other failure stays a 500 without Retry-After.
	w = httptest.NewRecorder()
	s.writeError(w, r, fmt.Errorf("disk on fire"))
	if w.Code != 500 || w.Header().Get("Retry-After") != "" {
		t.Fatalf("plain failure: %d Retry-After=%q", w.Code, w.Header().Get("Retry-After"))
	}
}
