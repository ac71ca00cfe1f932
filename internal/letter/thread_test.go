package letter

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestThreadFields: a reply carries In-Reply-To and References (RFC 5322
// §3.6.4), Parse reads them back, and a sealed reply's signature covers them:
// changing one breaks it, and the seal verifies as built.
func TestThreadFields(t *testing.T) {
	d := sampleDraft()
	d.InReplyTo = "orig.1@other.example"
	d.References = []string{"start.0@siegel.example", "orig.1@other.example"}
	raw := mustBuild(t, d).Bytes(ViewRecipient, "")
	for _, want := range []string{"\r\nIn-Reply-To: <orig.1@other.example>\r\n",
		"\r\nReferences: <start.0@siegel.example> <orig.1@other.example>\r\n"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("no %q in\n%s", want, raw)
		}
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.MsgID != d.MessageID+"@siegel.example" || p.InReplyTo != d.InReplyTo || !slices.Equal(p.References, d.References) {
		t.Errorf("parsed %q %q %q", p.MsgID, p.InReplyTo, p.References)
	}

	d.Options.SenderConfirmed, d.Seal = true, newTestSeal(t)
	sealed := mustBuild(t, d).Bytes(ViewRecipient, "")
	res, err := CheckIntegrity(sealed)
	if err != nil || !res.Signed || !slices.Contains(res.SignedFields, "In-Reply-To") || !slices.Contains(res.SignedFields, "References") {
		t.Fatalf("sealed reply: %v %+v", err, res)
	}
	moved := bytes.Replace(sealed, []byte("<orig.1@other.example>\r\nReferences"), []byte("<other.2@other.example>\r\nReferences"), 1)
	if _, err := CheckIntegrity(moved); !errors.Is(err, ErrIntegrity) {
		t.Errorf("In-Reply-To changed, seal still verifies: %v", err)
	}
	// A sealed letter that answers nothing has them signed as absent: one
	// added later breaks the seal.
	d.InReplyTo, d.References = "", nil
	plain := mustBuild(t, d).Bytes(ViewRecipient, "")
	if _, err := CheckIntegrity(plain); err != nil {
		t.Fatal(err)
	}
	added := bytes.Replace(plain, []byte("\r\nMIME-Version:"), []byte("\r\nIn-Reply-To: <x.1@y.example>\r\nMIME-Version:"), 1)
	if _, err := CheckIntegrity(added); !errors.Is(err, ErrIntegrity) {
		t.Errorf("In-Reply-To added, seal still verifies: %v", err)
	}
}

// TestThreadFieldsRefused: Build refuses what is not a msg-id, which could
// otherwise break out of its header field.
func TestThreadFieldsRefused(t *testing.T) {
	for name, mod := range map[string]func(*Draft){
		"no @":               func(d *Draft) { d.InReplyTo = "nothing" },
		"line break":         func(d *Draft) { d.InReplyTo = "a@b\r\nBcc: x@y.example" },
		"angle brackets":     func(d *Draft) { d.References = []string{"<a@b.example>"} },
		"space":              func(d *Draft) { d.References = []string{"a b@c.example"} },
		"too many":           func(d *Draft) { d.References = slices.Repeat([]string{"a@b.example"}, MaxReferences+1) },
		"too long":           func(d *Draft) { d.InReplyTo = strings.Repeat("a", maxMsgID) + "@b.example" },
		"literal right side": func(d *Draft) { d.InReplyTo = "a@[1.2.3.4]" },
	} {
		d := sampleDraft()
		mod(&d)
		if _, err := Build(d); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

func TestThreadReferences(t *testing.T) {
	if got := ThreadReferences(nil, "a@b"); !slices.Equal(got, []string{"a@b"}) {
		t.Errorf("first reply: %q", got)
	}
	if got := ThreadReferences([]string{"x@y", "bad id", "a@b"}, "a@b"); !slices.Equal(got, []string{"x@y", "a@b"}) {
		t.Errorf("dropped and deduplicated: %q", got)
	}
	if got := ThreadReferences([]string{"x@y"}, "not an id"); !slices.Equal(got, []string{"x@y"}) {
		t.Errorf("bad id: %q", got)
	}
	var long []string
	for i := range 30 {
		long = append(long, fmt.Sprintf("m%d@x", i))
	}
	got := ThreadReferences(long, "new@x")
	if len(got) != MaxReferences || got[0] != "m0@x" || got[len(got)-1] != "new@x" || got[1] != "m12@x" {
		t.Errorf("long thread: %q", got)
	}
}

func TestMsgIDsParse(t *testing.T) {
	if got := msgIDs(" <a@b>\r\n <c@d> (comment) <e@f>", 2); !slices.Equal(got, []string{"a@b", "c@d"}) {
		t.Errorf("%q", got)
	}
	if got := msgIDs("<unclosed", 5); got != nil {
		t.Errorf("%q", got)
	}
}

func TestEndToEnd(t *testing.T) {
	for ct, want := range map[string]string{
		`application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m`:                     SMIMEEncrypted,
		`application/pkcs7-mime; smime-type=authEnveloped-data`:                                 SMIMEEncrypted,
		`application/x-pkcs7-mime`:                                                              SMIMEEncrypted,
		`application/pkcs7-mime; smime-type=signed-data`:                                        SMIMESigned,
		`application/pkcs7-mime; smime-type=certs-only`:                                         "",
		`multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=x`:  SMIMESigned,
		`multipart/signed; protocol="application/x-pkcs7-signature"; boundary=x`:                SMIMESigned,
		`Multipart/Signed; Protocol="Application/PGP-Signature"; micalg=pgp-sha256; boundary=x`: OpenPGPSigned,
		`multipart/encrypted; protocol="application/pgp-encrypted"; boundary=x`:                 OpenPGPEncrypted,
		`multipart/encrypted; protocol="application/other"; boundary=x`:                         "",
		`multipart/signed; boundary=x`:                                                          "",
		`multipart/mixed; boundary=x`:                                                           "",
		`text/plain; charset=utf-8`:                                                             "",
		`not a type`:                                                                            "",
		``:                                                                                      "",
	} {
		if got := EndToEnd(ct); got != want {
			t.Errorf("EndToEnd(%q) = %q, want %q", ct, got, want)
		}
	}
}
