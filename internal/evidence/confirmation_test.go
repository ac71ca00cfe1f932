package evidence

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin for TestGermanTime, wherever the test runs

	"github.com/siegel-mail/siegel/internal/letter"
)

const (
	confID      = "0194f2a6c1e87d3b.conf"
	confSubject = "Bescheid über die Grundsteuer 2025 – Widerspruchsfrist"
)

// confirmation composes the confirmation of a sample evidence of ev from p,
// with its evidence file, both signed and time-stamped at signTime.
func (p *testPKI) confirmation(t testing.TB, ev Event) (*Confirmation, []byte) {
	t.Helper()
	e := sample(ev, p.seal.Raw)
	c := &Confirmation{Evidence: e, MessageID: confID, Subject: confSubject, Date: signTime.Add(2 * time.Second), File: p.fileOf(t, e)}
	return c, p.compose(t, c)
}

// fileOf is the evidence file of e, signed by p's seal at signTime.
func (p *testPKI) fileOf(t testing.TB, e *Evidence) []byte {
	t.Helper()
	file, err := SignEvidence(context.Background(), e, p.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// compose is ComposeConfirmation of c by p's seal at signTime.
func (p *testPKI) compose(t testing.TB, c *Confirmation) []byte {
	t.Helper()
	raw, err := ComposeConfirmation(context.Background(), c, p.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// partOf is the decoded signed part of a confirmation and its signature.
func partsOf(t testing.TB, raw []byte) *signedMessage {
	t.Helper()
	m, err := readSignedMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConfirmationEachEvent composes and verifies a confirmation of every
// event and reads every field back.
func TestConfirmationEachEvent(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	for _, ev := range allEvents() {
		t.Run(ev.Name(), func(t *testing.T) {
			t.Parallel()
			c, raw := p.confirmation(t, ev)
			v, err := VerifyConfirmation(raw, p.roots, VerifyOptions{})
			if err != nil {
				t.Fatalf("VerifyConfirmation: %v\n%s", err, raw)
			}
			w, _ := wordingOf(ev)
			pdf, err := RenderPDF(c.Evidence)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !equalEvidence(v.Evidence, c.Evidence):
				t.Errorf("evidence\n%+v\nwant\n%+v", v.Evidence, c.Evidence)
			case !bytes.Equal(v.Content, mustMarshal(t, c.Evidence)):
				t.Error("the XML is not Marshal of the evidence")
			case !bytes.Equal(v.PDF, pdf):
				t.Error("the PDF is not RenderPDF of the evidence")
			case !bytes.Equal(v.File, c.File):
				t.Error("the evidence file is not the one composed")
			case v.Subject != w.prefix+" "+confSubject || v.MessageID != confID || !v.Date.Equal(c.Date):
				t.Errorf("subject %q, message id %q, date %v", v.Subject, v.MessageID, v.Date)
			case !v.Signer.Equal(p.seal) || !v.TSA.Equal(p.tsa) || !v.SigningTime.Equal(signTime) || !v.TimestampTime.Equal(signTime):
				t.Errorf("signer %s, TSA %s, signed %v, stamped %v", v.Signer.Subject, v.TSA.Subject, v.SigningTime, v.TimestampTime)
			}
			text := string(v.Text)
			for _, want := range []string{w.titleDE, w.titleEN, w.saysDE, w.saysEN, confSubject, c.Evidence.ID,
				c.Evidence.Sender.Address, c.Evidence.Recipient.Address, c.Evidence.MessageID, c.Evidence.PrivateID,
				"2025-03-01 12:00:00 UTC (Berlin: 2025-03-01 13:00:00 +01:00)", "openssl cms -verify", "siegel verify", "evidence.p7m ist", "evidence.p7m is"} {
				if !strings.Contains(text, want) {
					t.Errorf("the text does not say %q", want)
				}
			}
			if de, en := strings.Index(text, w.titleDE), strings.Index(text, w.titleEN); de > en {
				t.Error("the English text comes first")
			}
			for _, r := range c.Evidence.Reasons {
				if !strings.Contains(text, r.Code+": "+r.Details) {
					t.Errorf("the text does not give the reason %q", r.Code)
				}
			}
			checkHeaderFields(t, raw, c, w)
		})
	}
}

// checkHeaderFields checks the header as a mail reader sees it, with
// package letter, which stores confirmations like letters.
func checkHeaderFields(t *testing.T, raw []byte, c *Confirmation, w wording) {
	t.Helper()
	l, err := letter.Parse(raw)
	if err != nil {
		t.Fatalf("letter.Parse: %v", err)
	}
	e := c.Evidence
	if l.From != w.mailbox+"@siegel.example" || l.Type != w.msgType || l.MessageID != confID ||
		!slices.Equal(l.To, []string{e.Sender.Address}) || !slices.Equal(l.Cc, []string{e.Recipient.Address}) ||
		l.Subject != w.prefix+" "+confSubject || l.Options.PrivateID != e.PrivateID || !l.Date.Equal(c.Date) {
		t.Errorf("letter.Parse reads %+v", l)
	}
	var names []string
	for _, a := range l.Attachments {
		names = append(names, a.Filename)
	}
	if !slices.Equal(names, []string{"evidence.xml", "evidence.pdf", "evidence.p7m", "smime.p7s"}) || !strings.HasPrefix(l.Text, w.titleDE) {
		t.Errorf("attachments %v, text %.40q", names, l.Text)
	}
	h, _, err := readHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"In-Reply-To": "<20250301T115830Z.4f9a2c@siegel.example>", "Message-ID": "<" + confID + "@siegel.example>",
		letter.HdrVersion: letter.Version, "MIME-Version": "1.0",
	} {
		if v, n := h.get(name); n != 1 || v != want {
			t.Errorf("%s: %q (%d fields), want %q", name, v, n, want)
		}
	}
}

// TestConfirmationForm: 7-bit, CRLF only, lines of at most 76 characters,
// and the same message but for the signature when composed again.
func TestConfirmationForm(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	c, raw := p.confirmation(t, ContentHandoverFailure)
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > maxLine || strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d: %d characters or a bare line break: %q", i+1, len(line), line)
		}
	}
	for i, c := range raw {
		if c >= 0x80 || c == 0 {
			t.Fatalf("byte %d is %#x: not 7-bit text", i, c)
		}
	}
	again := p.compose(t, c) // the same evidence file: SignEvidence's own signature differs each time
	m1, m2 := partsOf(t, raw), partsOf(t, again)
	if !bytes.Equal(m1.signed, m2.signed) || bytes.Equal(m1.signature, m2.signature) {
		t.Error("the signed parts differ, or the signatures do not")
	}
	sig := appendBase64(nil, m1.signature)
	if !bytes.Equal(bytes.Replace(raw, sig, appendBase64(nil, m2.signature), 1), again) {
		t.Error("the messages differ in more than the signature")
	}
}

// TestConfirmationSubjects: an empty subject, one that is ASCII, and a file
// number that needs no encoding, or none.
func TestConfirmationSubjects(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	long := strings.Repeat("Überlänge ", 60) + strings.Repeat("x", 200)
	for _, c := range []struct{ subject, privateID string }{
		{"", ""}, {"Re: Antrag vom 1. März", "Az. 4711/2025"}, {"=?utf-8?q?no?=", "=?utf-8?q?no?="},
		{long, strings.Repeat("Aktenzeichen ", 70)},
	} {
		e := sample(ContentConsignment, p.seal.Raw)
		e.PrivateID = c.privateID
		raw := p.compose(t, &Confirmation{Evidence: e, MessageID: "m1", Subject: c.subject, Date: signTime, File: p.fileOf(t, e)})
		v, err := VerifyConfirmation(raw, p.roots, VerifyOptions{})
		if err != nil {
			t.Fatalf("%q: %v", c.subject, err)
		}
		want := strings.TrimSuffix("*Eingangsbestätigung* "+c.subject, " ")
		if v.Subject != want || v.Evidence.PrivateID != c.privateID {
			t.Errorf("subject %q, file number %q", v.Subject, v.Evidence.PrivateID)
		}
		h, _, _ := readHeader(raw)
		if _, n := h.get(letter.HdrPrivateID); (n == 1) != (c.privateID != "") {
			t.Errorf("%q: %d %s fields", c.privateID, n, letter.HdrPrivateID)
		}
	}
}

// change returns raw with old, which must occur, replaced by new n times
// (-1: all).
func change(t *testing.T, raw []byte, old, new string, n int) []byte {
	t.Helper()
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("%q is not in the message", old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), n)
}

// base64At returns the index of a base64 letter in the body of the part
// whose header has marker, some way into it.
func base64At(t *testing.T, raw []byte, marker string) int {
	t.Helper()
	i := bytes.Index(raw, []byte(marker))
	j := bytes.Index(raw[i:], []byte("\r\n\r\n"))
	if i < 0 || j < 0 {
		t.Fatalf("no part %q", marker)
	}
	k := i + j + 4 + 300
	for raw[k] < 'B' || raw[k] > 'Z' {
		k++
	}
	return k
}

// TestConfirmationTamper changes one thing at a time and expects the check
// that guards it to fail.
func TestConfirmationTamper(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	c, raw := p.confirmation(t, ContentConsignmentFailure)
	m := partsOf(t, raw)
	f, err := parseDetached(m.signature, m.signed)
	if err != nil {
		t.Fatal(err)
	}
	reSigned := func(der []byte) []byte {
		return change(t, raw, string(appendBase64(nil, m.signature)), string(appendBase64(nil, der)), 1)
	}
	evidenceFile, _ := p.signed(t, ContentConsignmentFailure)
	anotherFile := p.fileOf(t, sample(ContentConsignment, p.seal.Raw))
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	for _, c := range []struct {
		name  string
		msg   []byte
		check string
	}{
		{"a byte of the text", flipAt(raw, indexOf(t, raw, []byte("Nachweis-ID: ev-7Q2K"), "the text's evidence id")+18), CheckMessageDigest},
		{"a byte of the XML", flipAt(raw, base64At(t, raw, "name=evidence.xml")), CheckMessageDigest},
		{"a byte of the PDF", flipAt(raw, base64At(t, raw, "name=evidence.pdf")), CheckMessageDigest},
		// The evidence file is in the signed part: a change to it breaks
		// the message's signature before evidence-file looks at it
		// (TestConfirmationEvidenceFile reseals the message to get there).
		{"a byte of the evidence file's signature value", flipAt(raw, fileByteAt(t, raw, c.File, fileSignatureAt(t, c.File)+12)), CheckMessageDigest},
		{"a byte of the evidence file's document", flipAt(raw, fileByteAt(t, raw, c.File, indexOf(t, c.File, []byte("<MessageIdentifier>"), "the file's message id")+20)), CheckMessageDigest},
		{"another valid evidence file", change(t, raw, string(appendBase64(nil, c.File)), string(appendBase64(nil, anotherFile)), 1), CheckMessageDigest},
		{"a byte of the signed header copy", change(t, raw, "\r\nCc: erika", "\r\nCc: erikA", 2), CheckMessageDigest},
		{"the signature's base64", change(t, raw, "smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMII", "smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nNII", 1), CheckCMS},
		{"the signature value", reSigned(flipAt(m.signature, bytes.Index(m.signature, f.sd.Signature)+12)), CheckSignature},
		{"the time-stamp", reSigned(flipAt(m.signature, bytes.Index(m.signature, f.token)+len(f.token)-5)), CheckTimestamp},
		{"an attached signature", reSigned(evidenceFile), CheckCMS},
		{"the outer From", change(t, raw, "From: Eingangsbestaetigung@", "From: Versandbestaetigung@", 1), CheckHeaders},
		{"the outer To", change(t, raw, "To: post@amt", "To: pest@amt", 1), CheckHeaders},
		{"the outer Cc", change(t, raw, "Cc: erika", "Cc: erikA", 1), CheckHeaders},
		{"the outer Subject", change(t, raw, "Subject: =?utf-8?q?*Zustellfehler*", "Subject: =?utf-8?q?*Zustellfehlex*", 1), CheckHeaders},
		{"the outer message type", change(t, raw, "type: confirmation of receipt", "type: confirmation of dispatch", 1), CheckHeaders},
		{"the outer file number", change(t, raw, "private-id: =?utf-8?q?Az", "private-id: =?utf-8?q?Ax", 1), CheckHeaders},
		{"the outer notification type", change(t, raw, "notification-type: unknown-recipient", "notification-type: closed-account", 1), CheckHeaders},
		{"signed headers without the notification type", p.composeWith(t, ContentConsignmentFailure, func(f []field) {
			f[len(f)-1].name = "X-Note"
		}), CheckHeaders},
		{"a second outer To", change(t, raw, "Cc: erika", "To: someone@else.example\r\nCc: erika", 1), CheckHeaders},
		{"the outer To and its signed copy", change(t, raw, "To: post@amt", "To: pest@amt", -1), CheckMessageDigest},
		{"signed headers that contradict the evidence", p.composeWith(t, ContentConsignmentFailure, func(f []field) {
			f[2].value = "pest@amt.siegel.example"
		}), CheckHeaders},
		{"signed headers with another message type", p.composeWith(t, ContentConsignmentFailure, func(f []field) {
			f[len(f)-4].value = TypeDispatchConfirmation
		}), CheckHeaders},
		{"signed headers without Cc", p.composeWith(t, ContentConsignmentFailure, func(f []field) {
			f[3].name = "X-Cc"
		}), CheckHeaders},
		{"truncated", raw[:len(raw)/2], CheckMIME},
		{"without the close delimiter", raw[:bytes.LastIndex(raw, []byte("--=_signed"))], CheckMIME},
		{"another protocol", change(t, raw, `protocol="application/pkcs7-signature"`, `protocol="application/pgp-signature"`, 1), CheckMIME},
		{"micalg sha-1", change(t, raw, "micalg=sha-256", "micalg=sha-1", 1), CheckMIME},
		{"the signature in 8bit", change(t, raw, "filename=smime.p7s\r\nContent-Transfer-Encoding: base64", "filename=smime.p7s\r\nContent-Transfer-Encoding: 8bit", 1), CheckMIME},
		{"not multipart", []byte("From: a@b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), CheckMIME},
		{"no header", []byte("no header at all"), CheckMIME},
		{"empty", nil, CheckMIME},
		{"too large", make([]byte, MaxConfirmation+1), CheckMIME},
	} {
		_, err := VerifyConfirmation(c.msg, p.roots, VerifyOptions{})
		if err == nil {
			t.Errorf("%s: verified", c.name)
			continue
		}
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Check != c.check {
			t.Errorf("%s: %v, want check %q", c.name, err, c.check)
		}
	}
	if _, err := VerifyConfirmation(lf, p.roots, VerifyOptions{}); err != nil {
		t.Errorf("with bare LFs: %v", err)
	}
	other := newPKI(t, "Other", signTime.AddDate(0, -6, 0), signTime.AddDate(0, 6, 0))
	_, err = VerifyConfirmation(raw, other.roots, VerifyOptions{})
	wantCheck(t, err, CheckTimestampChain)
	_, err = VerifyConfirmation(raw, other.roots, VerifyOptions{TSARoots: p.roots})
	wantCheck(t, err, CheckChain)
	_, err = VerifyConfirmation(raw, nil, VerifyOptions{})
	wantCheck(t, err, CheckChain)
}

// composeWith composes a confirmation as ComposeConfirmation does, but with
// the header fields changed before they are signed: what a broken composer
// would send.
func (p *testPKI) composeWith(t *testing.T, ev Event, edit func([]field)) []byte {
	t.Helper()
	e := sample(ev, p.seal.Raw)
	c := &Confirmation{Evidence: e, MessageID: confID, Subject: confSubject, Date: signTime, File: p.fileOf(t, e)}
	w, _ := wordingOf(ev)
	fields := c.fields(w)
	if fields[2].name != "To" || fields[3].name != "Cc" || fields[len(fields)-4].name != letter.HdrMessageType {
		t.Fatalf("the fields are in another order: %v", fields)
	}
	edit(fields)
	signed, err := signedPart(c, fields, mustMarshal(t, c.Evidence), []byte("%PDF-1.3\n"), w)
	if err != nil {
		t.Fatal(err)
	}
	sig, tst, err := seal(context.Background(), signed, p.seal.Raw, p.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	der, err := sig.MarshalDetached(tst)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := assemble(confID, fields, signed, der)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestConfirmationTruncated: no prefix of a message verifies.
func TestConfirmationTruncated(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	_, raw := p.confirmation(t, SubmissionAcceptance)
	for n := 0; n < len(raw)-len("\r\n"); n += 7 { // the close delimiter's CRLF is optional
		if _, err := VerifyConfirmation(raw[:n], p.roots, VerifyOptions{}); err == nil {
			t.Fatalf("the first %d of %d bytes verify", n, len(raw))
		}
	}
}

// TestVerifyRefusesDetached: an evidence file must carry its document, and
// a confirmation's signature without the message is none.
func TestVerifyRefusesDetached(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	_, raw := p.confirmation(t, ContentHandover)
	_, err := Verify(partsOf(t, raw).signature, p.roots, VerifyOptions{})
	wantCheck(t, err, CheckCMS)
	if !strings.Contains(err.Error(), "an evidence file carries its evidence document") {
		t.Errorf("the error does not say why: %v", err)
	}
}

// TestComposeConfirmationRefuses: what would not make a valid message, each
// for its own reason.
func TestComposeConfirmationRefuses(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	other := newPKI(t, "Other", signTime.AddDate(0, -6, 0), signTime.AddDate(0, 6, 0))
	file := p.fileOf(t, sample(ContentConsignment, p.seal.Raw))
	_, raw := p.confirmation(t, ContentConsignment)
	good := func() *Confirmation {
		return &Confirmation{Evidence: sample(ContentConsignment, p.seal.Raw), MessageID: confID, Subject: confSubject, Date: signTime, File: file}
	}
	for _, c := range []struct {
		name, want string
		change     func(*Confirmation)
	}{
		{"no evidence", "no evidence", func(c *Confirmation) { c.Evidence = nil }},
		{"invalid evidence", "the document", func(c *Confirmation) { c.Evidence.ID = "" }},
		{"a message id with a space", "message id", func(c *Confirmation) { c.MessageID = "a b" }},
		{"a message id with @", "message id", func(c *Confirmation) { c.MessageID = "a@b" }},
		{"no message id", "message id", func(c *Confirmation) { c.MessageID = "" }},
		{"a subject with a line break", "subject", func(c *Confirmation) { c.Subject = "a\r\nBcc: x@y" }},
		{"a subject that is not UTF-8", "subject", func(c *Confirmation) { c.Subject = "\xff" }},
		{"a subject of 999 bytes", "subject", func(c *Confirmation) { c.Subject = strings.Repeat("x", letter.MaxSubject+1) }},
		{"the year 1800", "date", func(c *Confirmation) { c.Date = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"an address that is no addr-spec", "cannot stand in a header", func(c *Confirmation) { c.Evidence.Recipient.Address = "a,b@c" }},
		{"another issuer", "not the signer's certificate", func(c *Confirmation) {
			c.Evidence.Issuer.Certificate = other.seal.Raw
			c.File = other.fileOf(t, c.Evidence) // a good file: the seal is what refuses
		}},
		{"no evidence file", "no evidence file", func(c *Confirmation) { c.File = nil }},
		{"the evidence file of another evidence", "another document", func(c *Confirmation) {
			c.File = p.fileOf(t, sample(ContentConsignmentFailure, p.seal.Raw))
		}},
		{"the evidence file of an evidence changed since", "another document", func(c *Confirmation) { c.Evidence.PrivateID = "Az. 0815" }},
		{"the message's detached signature as the file", "detached", func(c *Confirmation) { c.File = partsOf(t, raw).signature }},
		{"a file that is not CMS", "the evidence file", func(c *Confirmation) { c.File = []byte("evidence") }},
		{"a file larger than Verify reads", "at most", func(c *Confirmation) { c.File = make([]byte, MaxFile+1) }},
	} {
		conf := good()
		c.change(conf)
		raw, err := ComposeConfirmation(context.Background(), conf, p.signer, p.tsaAt(signTime), signTime)
		if err == nil {
			t.Errorf("%s: composed\n%s", c.name, raw)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
	if _, err := ComposeConfirmation(context.Background(), nil, p.signer, p.tsaAt(signTime), signTime); err == nil {
		t.Error("composed nil")
	}
}

// TestConfirmationOpenSSL checks a confirmation with openssl, as a reader
// of the message would (S/MIME input, openssl's default): openssl cms
// -verify and openssl smime -verify print the signed part, and refuse the
// message once a byte of it changed.
func TestConfirmationOpenSSL(t *testing.T) {
	t.Parallel()
	openssl := needOpenSSL(t)
	now := time.Now().UTC().Truncate(time.Second)
	p := newPKI(t, "Siegel Test", now.AddDate(0, -1, 0), now.AddDate(1, 0, 0))
	e := sample(ContentHandover, p.seal.Raw)
	e.EventTime, e.SubmissionTime, e.ConsignmentTime = now, now.Add(-time.Hour), now.Add(-time.Minute)
	file, err := SignEvidence(context.Background(), e, p.signer, p.tsaAt(now), now)
	if err != nil {
		t.Fatal(err)
	}
	c := &Confirmation{Evidence: e, MessageID: confID, Subject: confSubject, Date: now, File: file}
	raw, err := ComposeConfirmation(context.Background(), c, p.signer, p.tsaAt(now), now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "msg.eml"), raw)
	writeFile(t, filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}))
	signed := partsOf(t, raw).signed
	for _, cmd := range []string{"cms", "smime"} {
		out, stderr, err := run(t, dir, openssl, cmd, "-verify", "-in", "msg.eml", "-CAfile", "root.pem", "-purpose", "any")
		if err != nil {
			t.Fatalf("openssl %s -verify: %v\n%s", cmd, err, stderr)
		}
		if !bytes.Equal(out, signed) {
			t.Errorf("openssl %s -verify printed\n%s\nwant the signed part\n%s", cmd, out, signed)
		}
		if !bytes.Contains(stderr, []byte("Verification successful")) {
			t.Errorf("openssl %s: %s", cmd, stderr)
		}
	}
	i := indexOf(t, raw, []byte("Nachweis-ID: ev-7Q2K"), "the text's evidence id") + 18
	writeFile(t, filepath.Join(dir, "bad.eml"), flipAt(raw, i))
	if _, stderr, err := run(t, dir, openssl, "cms", "-verify", "-in", "bad.eml", "-CAfile", "root.pem", "-purpose", "any"); err == nil {
		t.Fatalf("openssl accepted a changed message: %s", stderr)
	}
	// The evidence file, taken out of the message as a court would, checks
	// on its own and prints the evidence.
	payload, err := readPayload(signed)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "evidence.p7m"), payload.file)
	out, stderr, err := run(t, dir, openssl, "cms", "-verify", "-inform", "DER", "-in", "evidence.p7m", "-CAfile", "root.pem", "-purpose", "any")
	if err != nil {
		t.Fatalf("openssl cms -verify of evidence.p7m: %v\n%s", err, stderr)
	}
	if !bytes.Equal(out, mustMarshal(t, e)) {
		t.Errorf("openssl printed\n%s\nwant the evidence document", out)
	}
}

// FuzzVerifyConfirmation: VerifyConfirmation never panics, every refusal
// is a *VerifyError naming a check, and what it accepts is a confirmation
// sealed by the test seal whose evidence reads back.
func FuzzVerifyConfirmation(f *testing.F) {
	p := stdPKI(f)
	for _, ev := range []Event{SubmissionRejection, ContentHandover} {
		c, raw := p.confirmation(f, ev)
		f.Add(raw)
		f.Add(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
		f.Add(raw[:len(raw)/3])
		// Sealed over a signed part whose evidence file is wrong or missing,
		// so that the fuzzer starts past the message's signature.
		other := p.fileOf(f, sample(ContentConsignment, p.seal.Raw))
		f.Add(p.resealed(f, raw, func(s []byte) []byte { return swapFile(s, c.File, other) }))
		f.Add(p.resealed(f, raw, func(s []byte) []byte { return swapFile(s, c.File, flipAt(c.File, len(c.File)-40)) }))
		f.Add(p.resealed(f, raw, withoutFile))
	}
	f.Add([]byte("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n\r\n--b\r\n\r\n--b--\r\n"))
	f.Add([]byte{})
	checks := []string{CheckMIME, CheckCMS, CheckMessageDigest, CheckSigningCertificate, CheckSignature, CheckTimestamp,
		CheckTimestampImprint, CheckTimestampChain, CheckChain, CheckSigningTime, CheckContent, CheckIssuer, CheckEvidenceFile, CheckHeaders}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := VerifyConfirmation(raw, p.roots, VerifyOptions{})
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || !slices.Contains(checks, ve.Check) {
				t.Fatalf("VerifyConfirmation error %v is not a *VerifyError with a known check", err)
			}
			return
		}
		if !v.Signer.Equal(p.seal) || v.Evidence == nil || !bytes.HasPrefix(v.PDF, []byte("%PDF-")) {
			t.Fatalf("verified %+v", v)
		}
		if _, err := Parse(v.Content); err != nil {
			t.Fatalf("verified evidence that does not parse: %v", err)
		}
		if fv, err := Verify(v.File, p.roots, VerifyOptions{}); err != nil || !bytes.Equal(fv.Content, v.Content) || !fv.Signer.Equal(v.Signer) {
			t.Fatalf("verified a message whose evidence file is not its evidence: %v", err)
		}
	})
}

// TestGermanTime compares germanTime with the time zone database's
// Europe/Berlin, hour by hour around each change and on random days.
func TestGermanTime(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	check := func(at time.Time) {
		want := at.In(berlin)
		got := germanTime(at)
		_, wantOff := want.Zone()
		_, gotOff := got.Zone()
		if gotOff != wantOff || !got.Equal(want) {
			t.Fatalf("%v: %v, Europe/Berlin %v", at, got, want)
		}
	}
	for y := 1996; y <= 2040; y++ {
		for _, m := range []time.Month{time.March, time.October} {
			change := lastSunday(y, m).Add(time.Hour)
			for d := -3 * time.Hour; d <= 3*time.Hour; d += 30 * time.Minute {
				check(change.Add(d))
				check(change.Add(d - time.Nanosecond))
			}
		}
		for d := 0; d < 365; d += 17 {
			check(time.Date(y, 1, 1+d, d%24, 0, 0, 0, time.UTC))
		}
	}
	if got := timeText(time.Date(2025, 7, 1, 22, 30, 0, 5e8, time.UTC)); got != "2025-07-01 22:30:00.5 UTC (Berlin: 2025-07-02 00:30:00.5 +02:00)" {
		t.Errorf("timeText: %q", got)
	}
}

// TestHeaderEncoding: encoded-words and folded fields read back as the
// value, within maxLine.
func TestHeaderEncoding(t *testing.T) {
	t.Parallel()
	dec := new(mime.WordDecoder)
	for _, s := range []string{"a", "ä", "*Versandbestätigung* Bescheid", strings.Repeat("ß€𝄞 x_=?", 40),
		"Az. 4711/2025", "=?utf-8?q?x?=", strings.Repeat("y", 100), "two  spaces", " lead", "trail "} {
		for _, name := range []string{"Subject", letter.HdrPrivateID} {
			v := unstructured(name, s)
			if strings.HasPrefix(v, "=?") {
				if got, err := dec.DecodeHeader(v); err != nil || got != s {
					t.Errorf("%q encodes as %q, which decodes as %q (%v)", s, v, got, err)
				}
			} else if v != s || strings.Contains(s, "=?") || strings.Contains(s, "  ") {
				t.Errorf("%q is written as %q", s, v)
			}
			b := appendField(nil, name, v)
			h, _, err := readHeader(append(b, "\r\n"...))
			if err != nil || len(h) != 1 || h[0].value != v {
				t.Fatalf("%q folds as %q, which reads as %+v (%v)", v, b, h, err)
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
				if len(line) > maxLine {
					t.Errorf("%s: line of %d: %q", name, len(line), line)
				}
			}
		}
	}
}

// TestSplitMultipart: the parts exactly, with transport padding, and the
// refusals.
func TestSplitMultipart(t *testing.T) {
	t.Parallel()
	body := "preamble\r\n--b \t\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n\r\n--bx\r\n--b--  \r\nepilogue"
	parts, err := splitMultipart([]byte(body), "b", 2)
	if err != nil || len(parts) != 2 || string(parts[0]) != "A: 1\r\n\r\none" || string(parts[1]) != "\r\ntwo\r\n\r\n--bx" {
		t.Fatalf("%q, %v", parts, err)
	}
	for _, bad := range []string{"--b\r\n\r\nx\r\n", "--b--\r\n", "--b\r\n--b\r\nx\r\n--b--", "--b\r\nx\r\n--b\r\ny\r\n--b\r\nz\r\n--b--"} {
		if parts, err := splitMultipart([]byte(bad), "b", 2); err == nil {
			t.Errorf("%q splits into %q", bad, parts)
		}
	}
	if _, err := splitMultipart([]byte(body), "", 2); err == nil {
		t.Error("split at an empty boundary")
	}
}

// TestConfirmationMailboxes: the reserved addresses and types by event.
func TestConfirmationMailboxes(t *testing.T) {
	t.Parallel()
	for ev, want := range map[Event][2]string{
		SubmissionAcceptance: {DispatchMailbox, TypeDispatchConfirmation}, SubmissionRejection: {DispatchMailbox, TypeDispatchConfirmation},
		RelayAcceptance: {DispatchMailbox, TypeDispatchConfirmation}, RelayFailure: {DispatchMailbox, TypeDispatchConfirmation},
		ContentConsignment: {ReceiptMailbox, TypeReceiptConfirmation}, ContentConsignmentFailure: {ReceiptMailbox, TypeReceiptConfirmation},
		ContentHandover: {PickupMailbox, TypeRetrieveConfirmation}, ContentHandoverFailure: {PickupMailbox, TypeRetrieveConfirmation},
		Event("x"): {"", ""},
	} {
		if got := [2]string{ev.ConfirmationMailbox(), ev.ConfirmationType()}; got != want {
			t.Errorf("%s: %v, want %v", ev.Name(), got, want)
		}
	}
}
