package api

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

// FuzzDecode: any body gives a request value or a problem naming the rule,
// never a panic or an unexplained error.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"to":["a.b@x.test"],"subject":"s","text":"t","attachments":[{"filename":"a","data":"AAEC"}]}`))
	f.Add([]byte(`{"to":"a"}`))
	f.Add([]byte(`{"to":[1,2]}{}`))
	f.Add([]byte(`{"unknown":true}`))
	f.Add([]byte(``))
	f.Add([]byte(`{"attachments":[{"data":"not base64"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/letters", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var req SendRequest
		err := decode(r, &req, 1<<20)
		if err != nil && problem.As(err) == nil {
			t.Fatalf("decode error is not a problem: %v", err)
		}
		if p := problem.As(err); p != nil && (p.Code == "" || p.Message == "") {
			t.Fatalf("problem without code or message: %+v", p)
		}
	})
}

// FuzzCursor: a cursor is either one formatCursor made, read back exactly, or
// refused.
func FuzzCursor(f *testing.F) {
	f.Add("MTcwMDAwMDAwMDAwMDAwMDpMDFhMjI")
	f.Add("")
	f.Add("garbage!")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseCursor(v)
		if err != nil {
			if problem.As(err) == nil {
				t.Fatalf("not a problem: %v", err)
			}
			return
		}
		back, err := parseCursor(formatCursor(c))
		if err != nil || !back.Arrived.Equal(c.Arrived) || back.ID != c.ID {
			t.Fatalf("cursor %q does not round-trip: %+v vs %+v (%v)", v, c, back, err)
		}
	})
}
