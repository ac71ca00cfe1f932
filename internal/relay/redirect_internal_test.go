package relay

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/federation"
)

// TestMovedTo: the forward-path of a 551 reply is read from its text
// (RFC 5321 §3.4), canonical; any other reply, or a text without a
// registered-mail address in "please try <…>", is no redirection.
func TestMovedTo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code int
		text string
		want string
	}{
		{551, "User not local; please try <Ben.Neu@B.Siegel.Test>: the account of x is closed", "ben.neu@b.siegel.test"},
		{550, "User not local; please try <ben@b.siegel.test>", ""},
		{551, "User not local", ""},
		{551, "please try <no address>", ""},
		{551, "please try <ben@b.siegel.test", ""},
		{551, "please try <>", ""},
	} {
		got, ok := movedTo(&federation.RejectError{Code: tc.code, Enhanced: "5.1.6", Text: tc.text})
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("movedTo(%d %q) = %q, %v; want %q", tc.code, tc.text, got, ok, tc.want)
		}
	}
}

// FuzzMovedTo: a peer's 551 text is hostile input; what movedTo takes
// from it is a canonical address that the text names.
func FuzzMovedTo(f *testing.F) {
	f.Add("User not local; please try <ben@b.siegel.test> (TR PVD-FU §3.1.3.3)")
	f.Add("please try <<a@b.c>>")
	f.Add("please try <a@b.c")
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := movedTo(&federation.RejectError{Code: 551, Text: text})
		if !ok {
			if got != "" {
				t.Fatalf("no redirection, but %q", got)
			}
			return
		}
		if got != strings.ToLower(got) || !strings.Contains(strings.ToLower(text), got) || strings.ContainsAny(got, "<> ") {
			t.Fatalf("movedTo(%q) = %q", text, got)
		}
	})
}
