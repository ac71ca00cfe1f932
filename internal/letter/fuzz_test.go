package letter

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
)

// seedMessages are complete messages for the parser fuzzers: built letters in
// every view and shape, and hand-written foreign ones.
func seedMessages(f *testing.F) [][]byte {
	d := sampleDraft()
	m := mustBuild(f, d)
	seeds := [][]byte{
		m.Bytes(ViewSender, ""),
		m.Bytes(ViewRecipient, ""),
		m.Bytes(ViewBcc, d.Bcc[0]),
	}
	d.Attachments = nil
	d.Text = "Hallo\n\n"
	seeds = append(seeds, mustBuild(f, d).Bytes(ViewRecipient, ""))
	seeds = append(seeds,
		[]byte("From: a@b.example\r\nDate: Sat, 01 Mar 2025 12:00:00 +0000\r\n"+HdrMessageID+": x\r\n"+HdrMessageType+
			": notification\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"+
			"--c\r\n\r\ntext\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--c--\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x\r\n\r\nhi\r\n--b--\r\n"),
		[]byte("From: a@b.example\nDate: Sat, 01 Mar 2025 12:00:00 +0000\n"+HdrMessageID+": x\n"+HdrMessageType+": normal\n"+
			HdrAuthLevel+": normal\n"+HdrChosenRecipient+": to=a@b.example; b@c.example\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\n\nhi\n"),
		[]byte(""),
		[]byte("\r\n\r\n"),
	)
	return seeds
}

// FuzzParse: Parse never panics; it is deterministic; and what it reads from a
// normal letter, built again, reads back the same.
func FuzzParse(f *testing.F) {
	for _, s := range seedMessages(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		_ = VerifyIntegrity(raw)
		if err != nil {
			return
		}
		again, err := Parse(raw)
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("second Parse differs: %v\n%+v\n%+v", err, p, again)
		}
		d, ok := draftOf(p)
		if !ok {
			return
		}
		m, err := Build(d)
		if err != nil {
			return // Build asks more of provider-set fields than Parse does
		}
		re, err := Parse(m.Bytes(ViewSender, ""))
		if err != nil {
			t.Fatalf("Parse of rebuilt letter: %v", err)
		}
		checkRoundTrip(t, d, re, d.Bcc)
	})
}

// draftOf turns a parsed normal letter into the draft that would build it,
// when CheckDraft accepts that.
func draftOf(p *Parsed) (Draft, bool) {
	if p.Type != TypeNormal {
		return Draft{}, false
	}
	d := Draft{
		MessageID: p.MessageID, From: p.From, FromName: p.FromName, To: p.To, Cc: p.Cc, Bcc: p.Bcc,
		Subject: p.Subject, Text: p.Text, Attachments: p.Attachments, Options: p.Options,
		AuthLevel: p.AuthLevel, Provider: p.Provider, Date: p.Date,
	}
	return d, CheckDraft(d, 0) == nil
}

// FuzzParseChosenRecipient: never panics; a value it accepts names at least one
// address, and rendering the result parses back to it.
func FuzzParseChosenRecipient(f *testing.F) {
	for _, s := range []string{
		"to=a@x.example",
		"to=a@x.example, b@x.example; cc=c@x.example; bcc=d@x.example",
		" TO = a@x.example ;\r\n cc=\r\n c@x.example ",
		"to=a@x.example; b@x.example; bcc=d@x.example",
		`to="Müller; Amt" <a@x.example>, b@x.example (c;d)`,
		"to=; cc=",
		`to="\`,
		"to=(",
		"bcc=<",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		to, cc, bcc, err := ParseChosenRecipient(v)
		if err != nil {
			return
		}
		if len(to)+len(cc)+len(bcc) == 0 {
			t.Fatalf("%q accepted without an address", v)
		}
		for _, a := range slices.Concat(to, cc, bcc) {
			if !validAddress(a) {
				return // rendering writes bare addr-specs; these need quoting
			}
		}
		r := chosenRecipient(to, cc, bcc)
		to2, cc2, bcc2, err := ParseChosenRecipient(r)
		if err != nil || !reflect.DeepEqual([][]string{to, cc, bcc}, [][]string{to2, cc2, bcc2}) {
			t.Fatalf("%q rendered as %q parses to %q %q %q %v", v, r, to2, cc2, bcc2, err)
		}
	})
}

// FuzzBuildParse: whatever CheckDraft accepts, Build builds, and Parse gives the
// same values back in every view; the integrity value verifies.
func FuzzBuildParse(f *testing.F) {
	f.Add("Bescheid über Ihren Antrag", "Hallo,\n\nGrüße\n", "Bescheid ä.pdf", []byte("%PDF"), "Az. 1", "Max Müller", true)
	f.Add("", "", "a", []byte{}, "", "", false)
	f.Add("=?utf-8?q?x?=", "\r\r\n.\r\n", "=?x?=", []byte{0, 255}, " x ", `"q" <a>`, true)
	f.Add("  two  spaces  ", "--siegel-x\n", "  a  ", []byte("\r\n"), "ä", "pn_x", false)
	f.Fuzz(func(t *testing.T, subject, text, filename string, data []byte, privateID, name string, attach bool) {
		d := Draft{
			MessageID: "fuzz.1", From: "a.b@siegel.example", FromName: name,
			To: []string{"c@d.example"}, Bcc: []string{"e@f.example"},
			Subject: subject, Text: text,
			Options:   Options{Personal: true, PrivateID: privateID},
			AuthLevel: account.High, Provider: "siegel.example",
			Date: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		}
		if attach {
			d.Attachments = []Attachment{{Filename: filename, Data: data}, {Filename: "2.txt", ContentType: "text/plain", Data: []byte(text)}}
		}
		if CheckDraft(d, 0) != nil || checkPrivateID(privateID) != nil ||
			len(name) > 256 || !utf8.ValidString(name) || hasControl(name) {
			return
		}
		m, err := Build(d)
		if err != nil {
			t.Fatalf("Build refuses a valid draft: %v", err)
		}
		for _, v := range []struct {
			view View
			bcc  []string
		}{{ViewSender, d.Bcc}, {ViewRecipient, nil}, {ViewBcc, d.Bcc}} {
			raw := m.Bytes(v.view, d.Bcc[0])
			checkWellFormed(t, raw)
			p, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, raw)
			}
			checkRoundTrip(t, d, p, v.bcc)
			if err := VerifyIntegrity(raw); err != nil {
				t.Fatal(err)
			}
			if v.view == ViewRecipient && bytes.Contains(raw, []byte(d.Bcc[0])) {
				t.Fatal("recipient copy shows the bcc address")
			}
		}
	})
}

// FuzzCheckIntegrity: CheckIntegrity survives hostile integrity values and
// certificates from other providers: it never panics, is deterministic and
// agrees with VerifyIntegrity; what it accepts has the body hash it reports,
// and what it accepts as signed carries a P-256 certificate and a signature over
// at least the required fields.
func FuzzCheckIntegrity(f *testing.F) {
	d := sealedDraft(newTestSeal(f))
	m := mustBuild(f, d)
	f.Add(m.Bytes(ViewSender, ""))
	f.Add(m.Bytes(ViewRecipient, ""))
	f.Add(m.Bytes(ViewBcc, d.Bcc[0]))
	d.Attachments, d.Cc = nil, nil
	f.Add(mustBuild(f, d).Bytes(ViewRecipient, ""))
	d.Options.SenderConfirmed = false
	f.Add(mustBuild(f, d).Bytes(ViewRecipient, ""))
	f.Add(mustBuild(f, sampleDraft()).Bytes(ViewSender, ""))
	f.Add([]byte("From: a@b.example\r\n" + HdrIntegrity + ": v=1; a=sha256/ecdsa-p256; h=From:" + HdrSignatureCertificate +
		"; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=MEUCIQ==\r\n" + HdrSignatureCertificate + ": MIIB\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := CheckIntegrity(raw)
		again := VerifyIntegrity(raw)
		if (err == nil) != (again == nil) || err != nil && err.Error() != again.Error() {
			t.Fatalf("CheckIntegrity says %v, VerifyIntegrity %v", err, again)
		}
		if err != nil {
			if !errors.Is(err, ErrIntegrity) || res != nil {
				t.Fatalf("error %v with result %+v", err, res)
			}
			return
		}
		if _, body := splitMessage(raw); res.BodyHash != simpleBodyHash(body) {
			t.Fatal("BodyHash is not the body's")
		}
		if !res.Signed {
			if res.Certificate != nil || res.SignedFields != nil {
				t.Fatalf("unsigned result with signature details: %+v", res)
			}
			return
		}
		if _, ok := p256Key(res.Certificate.PublicKey); !ok {
			t.Fatalf("signed with a %s key", describeKey(res.Certificate.PublicKey))
		}
		for _, r := range requiredSignedFields() {
			if !slices.ContainsFunc(res.SignedFields, func(n string) bool { return strings.EqualFold(n, r) }) {
				t.Fatalf("signed without %s: %q", r, res.SignedFields)
			}
		}
	})
}
