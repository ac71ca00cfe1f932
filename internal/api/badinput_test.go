package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// post sends a raw body with the user's token and decodes the error.
func post(t *testing.T, e *pt.Env, token, path, ctype string, body []byte) (int, api.ErrorDetail) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := e.Public.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb api.ErrorBody
	if err := jsonUnmarshal(b, &eb); err != nil {
		t.Fatalf("status %d, body %q is not an error body: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, eb.Error
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Bernd", "Bad"), false)
	b := e.Open(pt.PersonApp("Berit", "Bad"), false)
	pending := must[*api.ApplicationResponse](t)(e.Public.Apply(ctx, pt.PersonApp("Paul", "Pending")))
	tok := a.C.Token
	raw := []struct {
		name, body, ctype string
		status            int
		code, field       string
	}{
		{"malformed JSON", `{"to": [`, "application/json", 400, "json", ""},
		{"not JSON at all", `to=x`, "application/json", 400, "json", ""},
		{"unknown field", `{"to":["` + b.Address + `"],"subject":"s","text":"t","registered":true}`, "application/json", 400, "unknown_field", "registered"},
		{"wrong type", `{"to":"` + b.Address + `","subject":"s","text":"t"}`, "application/json", 400, "json_type", "to"},
		{"two objects", `{"to":["` + b.Address + `"],"subject":"s","text":"t"}{}`, "application/json", 400, "json", ""},
		{"empty body", ``, "application/json", 400, "json", ""},
		{"field name in other case", `{"to":["` + b.Address + `"],"Subject":"s","text":"t"}`, "application/json", 400, "unknown_field", "Subject"},
		{"field given twice", `{"to":["` + b.Address + `"],"subject":"s","subject":"t","text":"t"}`, "application/json", 400, "json", "subject"},
		{"nested wrong type", `{"to":["` + b.Address + `"],"subject":"s","text":"t","attachments":[{"filename":"a","data":7}]}`, "application/json", 400, "json_type", "attachments[0].data"},
		{"invalid UTF-8", "{\"to\":[\"" + b.Address + "\"],\"subject\":\"\xff\",\"text\":\"t\"}", "application/json", 400, "json", ""},
		{"trailing garbage", `{"to":["` + b.Address + `"],"subject":"s","text":"t"} x`, "application/json", 400, "json", ""},
		{"form content type", `{}`, "application/x-www-form-urlencoded", 400, "content_type", ""},
	}
	for _, c := range raw {
		t.Run(c.name, func(t *testing.T) {
			st, ed := post(t, e, tok, "/api/v1/letters", c.ctype, []byte(c.body))
			if st != c.status || ed.Code != c.code || ed.Field != c.field || ed.Message == "" {
				t.Fatalf("got %d %+v, want %d %s %q", st, ed, c.status, c.code, c.field)
			}
		})
	}
	sends := []struct {
		name   string
		req    api.SendRequest
		status int
		code   string
		field  string
	}{
		{"no recipient", api.SendRequest{Subject: "s", Text: "t"}, 400, "required", "to"},
		{"malformed address", api.SendRequest{To: []string{"Bernd <bad@x>"}, Subject: "s", Text: "t"}, 400, "syntax", "to[0]"},
		{"unknown recipient", api.SendRequest{To: []string{"niemand@" + pt.Domain}, Subject: "s", Text: "t"}, 400, "unknown_recipient", "to[0]"},
		{"pending recipient", api.SendRequest{To: []string{pending.Address}, Subject: "s", Text: "t"}, 400, "unknown_recipient", "to[0]"},
		{"other provider", api.SendRequest{To: []string{"x.y@other.siegel.test"}, Subject: "s", Text: "t"}, 400, "unknown_domain", "to[0]"},
		{"unknown cc", api.SendRequest{To: []string{b.Address}, Cc: []string{"niemand@" + pt.Domain}, Subject: "s", Text: "t"}, 400, "unknown_recipient", "cc[0]"},
		{"duplicate recipient", api.SendRequest{To: []string{b.Address}, Bcc: []string{b.Address}, Subject: "s", Text: "t"}, 400, "duplicate_recipient", "bcc[0]"},
		{"subject with a line break", api.SendRequest{To: []string{b.Address}, Subject: "s\r\nBcc: x", Text: "t"}, 400, "syntax", "subject"},
		{"attachment without name", api.SendRequest{To: []string{b.Address}, Subject: "s", Text: "t", Attachments: []api.Attachment{{Data: []byte("x")}}}, 400, "required", "attachments[0].filename"},
		{"oversized attachment", api.SendRequest{To: []string{b.Address}, Subject: "s", Text: "t", Attachments: []api.Attachment{{Filename: "big.bin", Data: make([]byte, 20<<20+1)}}}, 413, "too_large", "attachments"},
	}
	for _, c := range sends {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.C.Send(ctx, &c.req)
			wantErr(t, err, c.status, c.code, c.field)
		})
	}
	// Far too large a request is cut off before it is read whole.
	huge := []byte(`{"to":["` + b.Address + `"],"subject":"s","text":"` + strings.Repeat("a", 28<<20) + `"}`)
	st, ed := post(t, e, tok, "/api/v1/letters", "application/json", huge)
	if st != 413 || ed.Code != "too_large" {
		t.Fatalf("huge request: %d %+v", st, ed)
	}
	// None of it changed anything.
	if n := len(inbox(t, a.C, "sent")); n != 0 {
		t.Fatalf("refused letters left %d in sent", n)
	}
	if n := len(inbox(t, b.C, "inbox")); n != 0 {
		t.Fatalf("refused letters left %d in the recipient's inbox", n)
	}
	// No token, a bad token, an unknown route.
	st, ed = post(t, e, "", "/api/v1/letters", "application/json", []byte(`{}`))
	if st != 401 || ed.Code != "unauthenticated" {
		t.Fatalf("no token: %d %+v", st, ed)
	}
	st, ed = post(t, e, "sgl_forged", "/api/v1/letters", "application/json", []byte(`{}`))
	if st != 401 || ed.Code != "unauthenticated" {
		t.Fatalf("forged token: %d %+v", st, ed)
	}
	st, ed = post(t, e, tok, "/api/v1/nothing", "application/json", []byte(`{}`))
	if st != 404 || ed.Code != "not_found" {
		t.Fatalf("unknown route: %d %+v", st, ed)
	}
}
