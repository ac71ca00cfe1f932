package federation

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestPeerOf: the listed certificate of a provider gives that provider; no
// certificate, one outside its validity, one of another authority or one
// the list no longer names give an error that says which.
func TestPeerOf(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	l, _ := f.trust.Current()
	root := f.auth.Root
	leaf := func(n *node) *x509.Certificate {
		c, err := x509.ParseCertificate(n.cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	state := func(cs ...*x509.Certificate) tls.ConnectionState { return tls.ConnectionState{PeerCertificates: cs} }
	now := f.clock.Now()
	p, err := PeerOf(state(leaf(f.node["b"])), root, l, now)
	if err != nil || p.Domain != "b.siegel.test" || p.SMTP != f.node["b"].addr {
		t.Fatalf("B: %+v, %v", p, err)
	}
	other := newFed(t) // another authority, with its own a.siegel.test
	for _, tc := range []struct {
		name  string
		state tls.ConnectionState
		now   time.Time
		want  string
	}{
		{"no certificate", state(), now, "no certificate"},
		{"expired", state(leaf(f.node["b"])), now.AddDate(3, 0, 0), "does not verify"},
		{"not yet valid", state(leaf(f.node["b"])), now.Add(-2 * time.Hour), "does not verify"},
		{"another authority", state(leaf(other.node["a"])), now, "does not verify"},
		{"the root itself", state(root), now, "not a provider's TLS certificate"},
	} {
		if _, err := PeerOf(tc.state, root, l, tc.now); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := PeerOf(state(leaf(f.node["b"])), root, nil, now); err == nil {
		t.Error("no list: no error")
	}
	// Issuing B again replaces its certificates: the old one is revoked.
	old := leaf(f.node["b"])
	f.issue(t, f.auth, "b", false)
	l2 := f.resign(t)
	if _, err := PeerOf(state(old), root, l2, now); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("replaced certificate: %v", err)
	}
	if _, err := PeerOf(state(old), root, l, now); err != nil {
		t.Errorf("the older list still names it: %v", err)
	}
}

// TestRejectReply: whatever a Deliverer puts in a RejectError, the reply
// is a one-line 5xx with a 5.x.y code.
func TestRejectReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   RejectError
		code int
		enh  smtp.EnhancedCode
		text string
	}{
		{RejectError{Code: 550, Enhanced: "5.1.1", Text: "No such mailbox"}, 550, smtp.EnhancedCode{5, 1, 1}, "No such mailbox"},
		{RejectError{Code: 451, Enhanced: "4.2.2", Text: "Full"}, 550, smtp.EnhancedCode{5, 0, 0}, "Full"},
		{RejectError{Code: 250, Enhanced: "2.0.0", Text: "OK"}, 550, smtp.EnhancedCode{5, 0, 0}, "OK"},
		{RejectError{Code: 554, Enhanced: "5.1234.1", Text: "a\r\nb\nc"}, 554, smtp.EnhancedCode{5, 0, 0}, "a b c"},
		{RejectError{Code: 552, Enhanced: "x", Text: " "}, 552, smtp.EnhancedCode{5, 0, 0}, "Refused"},
	} {
		r := tc.in.reply()
		if r.Code != tc.code || r.EnhancedCode != tc.enh || r.Message != tc.text {
			t.Errorf("%+v: %d %v %q, want %d %v %q", tc.in, r.Code, r.EnhancedCode, r.Message, tc.code, tc.enh, tc.text)
		}
	}
	e := &RejectError{Code: 550, Enhanced: "5.1.1", Text: "No such mailbox", Rcpt: "x@b.siegel.test"}
	if got := e.Error(); got != "refused <x@b.siegel.test>: 550 5.1.1 No such mailbox" {
		t.Errorf("Error() = %q", got)
	}
	if got := rejectOf(&smtp.SMTPError{Code: 554, EnhancedCode: smtp.NoEnhancedCode, Message: "no"}, ""); got == nil || got.Enhanced != "" {
		t.Errorf("rejectOf without an enhanced code: %+v", got)
	}
	if got := rejectOf(&smtp.SMTPError{Code: 421, Message: "busy"}, ""); got != nil {
		t.Errorf("rejectOf 421: %+v", got)
	}
}
