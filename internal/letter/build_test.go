package letter

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
)

func mustBuild(t testing.TB, d Draft) *Message {
	t.Helper()
	m, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRoundTrip asserts that p holds what d said, as Parse reports it.
func checkRoundTrip(t testing.TB, d Draft, p *Parsed, bcc []string) {
	t.Helper()
	want := Parsed{
		MessageID: d.MessageID, From: d.From, FromName: d.FromName, Subject: d.Subject,
		Text: normalizeText(d.Text), To: d.To, Cc: d.Cc, Bcc: bcc,
		Options: d.Options.Normalize(), AuthLevel: d.AuthLevel, Provider: d.Provider,
		Date: d.Date.Truncate(time.Second), Type: TypeNormal,
		MsgID: d.MessageID + "@" + d.Provider, InReplyTo: d.InReplyTo, References: d.References,
	}
	for _, a := range d.Attachments {
		want.Attachments = append(want.Attachments, Attachment{
			Filename: a.Filename, ContentType: NormalizeContentType(a.ContentType), Data: a.Data,
		})
	}
	got := *p
	if !got.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	got.Date = want.Date
	for i := range got.Attachments {
		if got.Attachments[i].Data == nil {
			got.Attachments[i].Data = []byte{}
		}
	}
	for i := range want.Attachments {
		if want.Attachments[i].Data == nil {
			want.Attachments[i].Data = []byte{}
		}
	}
	if len(want.Cc) == 0 {
		want.Cc = nil
	}
	if len(want.Bcc) == 0 {
		want.Bcc = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
}

func TestBuildParseRoundTrip(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	m := mustBuild(t, d)
	views := []struct {
		name string
		v    View
		addr string
		bcc  []string
	}{
		{"sender", ViewSender, "", d.Bcc},
		{"recipient", ViewRecipient, "", nil},
		{"bcc", ViewBcc, d.Bcc[1], d.Bcc[1:2]},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			raw := m.Bytes(v.v, v.addr)
			p, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, d, p, v.bcc)
			if err := VerifyIntegrity(raw); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRoundTripEdgeCases(t *testing.T) {
	t.Parallel()
	seal := newTestSeal(t)
	tests := map[string]func(*Draft){
		"text only":                    func(d *Draft) { d.Attachments = nil },
		"text only, no final newline":  func(d *Draft) { d.Attachments, d.Text = nil, "Hallo" },
		"text only, trailing blank":    func(d *Draft) { d.Attachments, d.Text = nil, "Hallo\n\n\n" },
		"text only, empty":             func(d *Draft) { d.Attachments, d.Text = nil, "" },
		"text only, one newline":       func(d *Draft) { d.Attachments, d.Text = nil, "\n" },
		"text only, trailing space":    func(d *Draft) { d.Attachments, d.Text = nil, "a \t\nb \t" },
		"text only, lone CR":           func(d *Draft) { d.Attachments, d.Text = nil, "a\rb\r\r\nc" },
		"text only, long lines":        func(d *Draft) { d.Attachments, d.Text = nil, strings.Repeat("äöü=x ", 300) },
		"text only, 75 chars":          func(d *Draft) { d.Attachments, d.Text = nil, strings.Repeat("x", 75) },
		"text only, 76 chars":          func(d *Draft) { d.Attachments, d.Text = nil, strings.Repeat("x", 75)+"y" },
		"text only, 75 then special":   func(d *Draft) { d.Attachments, d.Text = nil, strings.Repeat("x", 75)+"ü=" },
		"text only, 74 then space":     func(d *Draft) { d.Attachments, d.Text = nil, strings.Repeat("x", 74)+" \n" },
		"text with boundary-like line": func(d *Draft) { d.Text = "--siegel-\n--\n" },
		"text with NUL":                func(d *Draft) { d.Text = "a\x00b" },
		"empty attachment":             func(d *Draft) { d.Attachments = []Attachment{{Filename: "leer.txt"}} },
		"attachment 57 bytes":          func(d *Draft) { d.Attachments[1].Data = binaryData(57) },
		"attachment 58 bytes":          func(d *Draft) { d.Attachments[1].Data = binaryData(58) },
		"no cc, no bcc":                func(d *Draft) { d.Cc, d.Bcc = nil, nil },
		"plain options":                func(d *Draft) { d.Options, d.AuthLevel = Options{}, account.Normal },
		"all options":                  func(d *Draft) { d.Options = Options{true, true, true, true, true, strings.Repeat("Akte ü ", 146)} },
		"sealed, text only, no cc":     func(d *Draft) { d.Options.SenderConfirmed, d.Attachments, d.Cc = true, nil, nil },
		"ascii subject":                func(d *Draft) { d.Subject = "Ihr Antrag" },
		"empty subject":                func(d *Draft) { d.Subject = "" },
		"subject looking encoded":      func(d *Draft) { d.Subject = "=?utf-8?q?x?=" },
		"subject spaces":               func(d *Draft) { d.Subject = "  two  spaces  " },
		"subject long word":            func(d *Draft) { d.Subject = strings.Repeat("x", 998) },
		"subject long umlauts":         func(d *Draft) { d.Subject = strings.Repeat("ü", 499) },
		"subject emoji":                func(d *Draft) { d.Subject = strings.Repeat("📬 ", 100) },
		"no display name":              func(d *Draft) { d.FromName = "" },
		"ascii display name":           func(d *Draft) { d.FromName = "Max Mustermann" },
		"display name specials":        func(d *Draft) { d.FromName = `Amt "Nord", Abt. 3 <x>` },
		"pseudonym name":               func(d *Draft) { d.FromName, d.From = "pn_sonnenblume", "pn_sonnenblume@siegel.example" },
		"filename quotes":              func(d *Draft) { d.Attachments[0].Filename = `a "b" c.pdf` },
		"filename spaces":              func(d *Draft) { d.Attachments[0].Filename = "  a  b  " },
		"filename long umlauts":        func(d *Draft) { d.Attachments[0].Filename = strings.Repeat("ä", 127) },
		"filename encoded-word-like":   func(d *Draft) { d.Attachments[0].Filename = "=?utf-8?q?x?=.pdf" },
		"content type upper case":      func(d *Draft) { d.Attachments[0].ContentType = "Application/PDF" },
		"content type with name":       func(d *Draft) { d.Attachments[0].ContentType = `application/pdf; name="other.pdf"` },
		"text attachment first":        func(d *Draft) { d.Text = ""; d.Attachments[0].ContentType = "text/plain" },
		"sub-second date":              func(d *Draft) { d.Date = d.Date.Add(999 * time.Millisecond) },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := sampleDraft()
			d.Seal = seal // used by the sender-confirmed cases only
			change(&d)
			if err := CheckDraft(d, 0); err != nil {
				t.Fatal(err)
			}
			m := mustBuild(t, d)
			for _, v := range []View{ViewSender, ViewRecipient} {
				raw := m.Bytes(v, "")
				checkWellFormed(t, raw)
				p, err := Parse(raw)
				if err != nil {
					t.Fatalf("%s\n%s", err, raw)
				}
				var bcc []string
				if v == ViewSender {
					bcc = d.Bcc
				}
				checkRoundTrip(t, d, p, bcc)
				if err := VerifyIntegrity(raw); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// checkWellFormed checks the letter as bytes on the wire: CRLF only, lines of at
// most 998 characters (78 in the header, unless a word cannot be split), and
// parsable by net/mail and mime/multipart on their own.
func checkWellFormed(t testing.TB, raw []byte) {
	t.Helper()
	_, body := splitMessage(raw)
	for i, c := range raw {
		if c >= 0x80 || c == 0 {
			t.Fatalf("byte %d is %#x, not 7-bit text", i, c)
		}
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d longer than 998: %d", i, len(line))
		}
	}
	// Body lines are at most 76 (quoted-printable, base64); longer ones are
	// header lines, top-level or of a part.
	for _, line := range strings.Split(string(raw), "\r\n") {
		v := strings.TrimPrefix(line, " ")
		if v == line { // a field's first line: it cannot fold before its value
			_, v, _ = strings.Cut(line, ": ")
		}
		if _, rest := nextSegment(v); len(line) > maxLine && rest != "" {
			t.Errorf("header line longer than %d though foldable: %q", maxLine, line)
		}
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.HasSuffix(body, []byte("\r\n\r\n")) {
		t.Errorf("body not in simple canonical form: ends %q", body[max(0, len(body)-8):])
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if mt == "multipart/mixed" {
		r := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestHeaderViews(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	m := mustBuild(t, d)
	chosen := func(h []byte) string {
		msg, err := mail.ReadMessage(bytes.NewReader(h))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("Bcc") != "" {
			t.Error("a Bcc header is written")
		}
		return msg.Header.Get(HdrChosenRecipient)
	}
	base := "to=erika.mustermann@siegel.example, info@firma.example; cc=akte@amt.example"
	tests := []struct {
		name string
		h    []byte
		want string
	}{
		{"sender", m.Header(ViewSender, ""), base + "; bcc=geheim.eins@siegel.example, geheim.zwei@andere.example"},
		{"recipient", m.Header(ViewRecipient, ""), base},
		{"recipient ignores address", m.Header(ViewRecipient, d.Bcc[0]), base},
		{"bcc one", m.Header(ViewBcc, d.Bcc[0]), base + "; bcc=geheim.eins@siegel.example"},
		{"bcc two, other case", m.Header(ViewBcc, "GEHEIM.ZWEI@andere.example"), base + "; bcc=geheim.zwei@andere.example"},
		{"bcc not a bcc recipient", m.Header(ViewBcc, d.To[0]), base},
		{"bcc empty address", m.Header(ViewBcc, ""), base},
		{"unknown view", m.Header(View(42), d.Bcc[0]), base},
	}
	for _, tt := range tests {
		if got := chosen(tt.h); got != tt.want {
			t.Errorf("%s: chosen-recipient %q, want %q", tt.name, got, tt.want)
		}
	}
	// A To or Cc recipient's copy never mentions a bcc recipient, anywhere.
	full := m.Bytes(ViewRecipient, "")
	for _, b := range d.Bcc {
		if bytes.Contains(full, []byte(b)) {
			t.Errorf("recipient copy mentions bcc %s", b)
		}
	}
	if bytes.Contains(full, []byte("bcc")) {
		t.Error("recipient copy mentions bcc")
	}
	// A bcc recipient's copy does not show the other bcc recipient.
	if bytes.Contains(m.Bytes(ViewBcc, d.Bcc[0]), []byte(d.Bcc[1])) {
		t.Error("bcc copy shows the other bcc recipient")
	}
	// Headers differ only in X-de-mail-chosen-recipient.
	strip := func(h []byte) string {
		var keep []string
		for _, l := range strings.Split(unfold(string(h)), "\r\n") {
			if !strings.HasPrefix(l, HdrChosenRecipient+":") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if strip(m.Header(ViewSender, "")) != strip(m.Header(ViewBcc, d.Bcc[1])) {
		t.Error("sender and bcc headers differ beyond chosen-recipient")
	}
}

func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", " ") }

func TestHeaderFields(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	d.Options = Options{SenderConfirmed: true, DispatchConfirmation: true, PrivateID: "AZ-17"}
	d.Seal = newTestSeal(t)
	m := mustBuild(t, d)
	msg, err := mail.ReadMessage(bytes.NewReader(m.Bytes(ViewRecipient, "")))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(m.Body())
	want := map[string]string{
		"Date":                      "Sat, 01 Mar 2025 12:30:45 +0100",
		"From":                      "=?utf-8?q?Max_M=C3=BC=C3=9Ftermann?= <max.mustermann@siegel.example>",
		"To":                        "erika.mustermann@siegel.example, info@firma.example",
		"Cc":                        "akte@amt.example",
		"Message-ID":                "<20250301T120000Z.4f9a2c@siegel.example>",
		"MIME-Version":              "1.0",
		HdrVersion:                  "1.8",
		HdrMessageType:              "normal",
		HdrMessageID:                "20250301T120000Z.4f9a2c",
		HdrSender:                   "max.mustermann@siegel.example",
		HdrAccountHolder:            "=?utf-8?q?Max_M=C3=BC=C3=9Ftermann?=",
		HdrProvider:                 "siegel.example",
		HdrAuthLevel:                "high",
		HdrPrivate:                  "no",
		HdrAuthoritative:            "yes",
		HdrDispatch:                 "yes",
		HdrReceipt:                  "no",
		HdrRetrieve:                 "no",
		HdrPrivateID:                "AZ-17",
		HdrIntegrity:                m.Integrity(),
		"Content-Transfer-Encoding": "",
	}
	for k, v := range want {
		if got := msg.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if m.BodyHash() != sum {
		t.Error("BodyHash is not the SHA-256 of Body")
	}
	if !strings.HasPrefix(m.Integrity(), "v=1; a=sha256/ecdsa-p256; c=simple/simple; h=") {
		t.Errorf("sender-confirmed integrity %q", m.Integrity())
	}
	d.Options.SenderConfirmed = false
	if v := mustBuild(t, d).Integrity(); v != integrityValue(sum) || !strings.HasPrefix(v, "v=1; a=sha256; c=simple/simple; bh=") {
		t.Errorf("integrity %q", v)
	}
	if m.MessageID() != d.MessageID {
		t.Errorf("MessageID %q", m.MessageID())
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed; boundary=siegel-") {
		t.Errorf("Content-Type %q", ct)
	}
	d.Attachments = nil
	msg, _ = mail.ReadMessage(bytes.NewReader(mustBuild(t, d).Bytes(ViewRecipient, "")))
	if ct, cte := msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"); ct != "text/plain; charset=utf-8" || cte != "quoted-printable" {
		t.Errorf("text only: Content-Type %q, Content-Transfer-Encoding %q", ct, cte)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := mustBuild(t, sampleDraft()), mustBuild(t, sampleDraft())
	if !bytes.Equal(a.Bytes(ViewSender, ""), b.Bytes(ViewSender, "")) {
		t.Error("two builds of one draft differ")
	}
	d := sampleDraft()
	d.MessageID = "other"
	if bytes.Equal(a.Body(), mustBuild(t, d).Body()) {
		t.Error("boundary does not depend on the message id")
	}
}

func TestBoundaryAvoidsText(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	first := chooseBoundary(d.MessageID, nil)
	d.Text = "Zitat:\n--" + first + "\n--" + first + "--\n"
	m := mustBuild(t, d)
	if bytes.Contains(m.Header(ViewSender, ""), []byte(first)) {
		t.Fatal("boundary found in the text was used")
	}
	p, err := Parse(m.Bytes(ViewSender, ""))
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, d, p, d.Bcc)
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	tests := map[string]func(*Draft){
		"bad draft":        func(d *Draft) { d.To = nil },
		"message id empty": func(d *Draft) { d.MessageID = "" },
		"message id angle": func(d *Draft) { d.MessageID = "a>b" },
		"message id space": func(d *Draft) { d.MessageID = "a b" },
		"message id long":  func(d *Draft) { d.MessageID = strings.Repeat("a", 201) },
		"from bad":         func(d *Draft) { d.From = "max" },
		"from name LF":     func(d *Draft) { d.FromName = "Max\r\nBcc: x@y.example" },
		"from name long":   func(d *Draft) { d.FromName = strings.Repeat("x", 257) },
		"provider bad":     func(d *Draft) { d.Provider = "siegel example" },
		"provider empty":   func(d *Draft) { d.Provider = "" },
		"auth level empty": func(d *Draft) { d.AuthLevel = "" },
		"auth level bad":   func(d *Draft) { d.AuthLevel = "medium" },
		"date zero":        func(d *Draft) { d.Date = time.Time{} },
		"private id LF":    func(d *Draft) { d.Options.PrivateID = "a\nb" },
	}
	for name, change := range tests {
		d := sampleDraft()
		change(&d)
		if m, err := Build(d); err == nil {
			t.Errorf("%s: Build accepted it:\n%s", name, m.Header(ViewSender, ""))
		}
	}
}

func TestVerifyIntegrity(t *testing.T) {
	t.Parallel()
	m := mustBuild(t, sampleDraft())
	raw := m.Bytes(ViewRecipient, "")
	if err := VerifyIntegrity(raw); err != nil {
		t.Fatal(err)
	}
	hdrLen := len(m.Header(ViewRecipient, ""))
	// Flip one body byte anywhere: in the text, in an attachment, in the last line.
	for _, off := range []int{hdrLen + 5, hdrLen + len(m.Body())/2, len(raw) - 3} {
		bad := bytes.Clone(raw)
		bad[off] ^= 1
		err := VerifyIntegrity(bad)
		if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "body hashes to") {
			t.Errorf("flip at %d: got %v", off, err)
		}
	}
	// Trailing empty lines do not count (RFC 6376 §3.4.3 simple).
	if err := VerifyIntegrity(append(bytes.Clone(raw), "\r\n\r\n"...)); err != nil {
		t.Errorf("trailing blank lines: %v", err)
	}
	if got := simpleBodyHash(m.Body()); got != m.BodyHash() {
		t.Error("Body is not in simple canonical form")
	}
	bh := m.Integrity()[strings.Index(m.Integrity(), "bh="):]
	for name, tc := range map[string]struct{ from, to, msg string }{
		"missing":        {HdrIntegrity + ":", "X-Other:", "no " + HdrIntegrity},
		"algorithm":      {"a=sha256", "a=sha1", "algorithm"},
		"canonical":      {"c=simple/simple", "c=relaxed/relaxed", "canonicalization"},
		"version":        {"v=1", "v=2", "version"},
		"no bh":          {bh, "x=1", "no bh="},
		"bh not base64":  {"bh=", "bh=!", "not a base64"},
		"bh short":       {bh, "bh=AAAA", "not a base64"},
		"duplicate tags": {"v=1;", "v=1; v=1;", "twice"},
	} {
		bad := bytes.Replace(raw, []byte(tc.from), []byte(tc.to), 1)
		err := VerifyIntegrity(bad)
		if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %q", name, err, tc.msg)
		}
	}
	// A folded bh= and a signed algorithm are accepted.
	folded := bytes.Replace(raw, []byte("a=sha256;"), []byte("a=sha256/ec-dsa;"), 1)
	i := bytes.Index(folded, []byte("bh=")) + 10
	folded = append(folded[:i:i], append([]byte("\r\n "), folded[i:]...)...)
	if err := VerifyIntegrity(folded); err != nil {
		t.Errorf("folded: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good := string(mustBuild(t, sampleDraft()).Bytes(ViewSender, ""))
	nest := func(depth int) string {
		var b strings.Builder
		b.WriteString("From: a@b.example\r\nDate: Sat, 01 Mar 2025 12:00:00 +0000\r\n" + HdrMessageID + ": x\r\n" +
			HdrMessageType + ": notification\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
		for i := 1; i < depth; i++ {
			b.WriteString("--b" + string(rune('0'+i-1)) + "\r\nContent-Type: multipart/mixed; boundary=b" + string(rune('0'+i)) + "\r\n\r\n")
		}
		b.WriteString("--b" + string(rune('0'+depth-1)) + "\r\n\r\ntext\r\n")
		for i := depth - 1; i >= 0; i-- {
			b.WriteString("--b" + string(rune('0'+i)) + "--\r\n")
		}
		return b.String()
	}
	manyParts := func(n int) string {
		var b strings.Builder
		b.WriteString("From: a@b.example\r\nDate: Sat, 01 Mar 2025 12:00:00 +0000\r\n" + HdrMessageID + ": x\r\n" +
			HdrMessageType + ": notification\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
		for range n {
			b.WriteString("--b\r\n\r\nx\r\n")
		}
		b.WriteString("--b--\r\n")
		return b.String()
	}
	if _, err := Parse([]byte(nest(9))); err != nil {
		t.Errorf("9 multipart levels plus a leaf: %v", err)
	}
	if _, err := Parse([]byte(manyParts(999))); err != nil {
		t.Errorf("999 parts plus the multipart: %v", err)
	}
	tests := map[string]string{
		"empty":               "",
		"no header end":       "From: a@b.example",
		"no message id":       strings.Replace(good, HdrMessageID+":", "X-Other:", 1),
		"no message type":     strings.Replace(good, HdrMessageType+":", "X-Other:", 1),
		"no auth level":       strings.Replace(good, HdrAuthLevel+":", "X-Other:", 1),
		"bad auth level":      strings.Replace(good, HdrAuthLevel+": high", HdrAuthLevel+": HIGH", 1),
		"bad yes":             strings.Replace(good, HdrPrivate+": yes", HdrPrivate+": Yes", 1),
		"no from":             strings.Replace(good, "From:", "X-From:", 1),
		"bad date":            strings.Replace(good, "Date: Sat, 01", "Date: Sat, 41", 1),
		"bad chosen":          strings.Replace(good, HdrChosenRecipient+": to=", HdrChosenRecipient+": xx=", 1),
		"bad content type":    strings.Replace(good, "Content-Type: multipart/mixed;", "Content-Type: multipart/mixed;;", 1),
		"no boundary":         strings.Replace(good, "boundary=", "b=", 1),
		"bad base64":          strings.Replace(good, "Content-Transfer-Encoding: base64\r\n\r\n", "Content-Transfer-Encoding: base64\r\n\r\n!!", 1),
		"unknown encoding":    strings.Replace(good, "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: x-uue", 1),
		"too deep":            nest(10),
		"too many parts":      manyParts(1000),
		"header continuation": " From: a@b.example\r\n\r\n",
	}
	for name, raw := range tests {
		if _, err := Parse([]byte(raw)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want ErrFormat", name, err)
		}
	}
}

func TestParseLenient(t *testing.T) {
	t.Parallel()
	// A foreign notification: LF line ends, no chosen-recipient, Latin-1 text,
	// an encoded-word in an unknown charset, options missing.
	raw := "From: Meldung@other.example\nTo: a@b.example, \"X, Y\" <c@d.example>\nDate: Sat, 01 Mar 2025 12:00:00 +0000\n" +
		HdrMessageID + ": m1\n" + HdrMessageType + ": notification\nSubject: =?x-unknown?q?abc?=\n" +
		"Content-Type: text/plain; charset=ISO-8859-1\n\nGr\xfc\xdfe\n"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "Grüße\n" || p.Subject != "=?x-unknown?q?abc?=" || p.AuthLevel != "" ||
		!reflect.DeepEqual(p.To, []string{"a@b.example", "c@d.example"}) || p.Options != (Options{}) {
		t.Errorf("got %+v", p)
	}
}

func TestParseChosenRecipient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		to, cc, bcc []string
		bad         bool
	}{
		{in: "to=a@x.example", to: []string{"a@x.example"}},
		{in: "to=a@x.example,b@x.example; cc=c@x.example; bcc=d@x.example",
			to: []string{"a@x.example", "b@x.example"}, cc: []string{"c@x.example"}, bcc: []string{"d@x.example"}},
		{in: " TO = a@x.example ;\r\n cc=\r\n c@x.example ", to: []string{"a@x.example"}, cc: []string{"c@x.example"}},
		{in: "bcc=d@x.example; to=a@x.example", to: []string{"a@x.example"}, bcc: []string{"d@x.example"}},
		{in: "to=a@x.example; b@x.example; cc=c@x.example", to: []string{"a@x.example", "b@x.example"}, cc: []string{"c@x.example"}},
		{in: `to="Müller; Amt" <a@x.example>, b@x.example (c;d)`, to: []string{"a@x.example", "b@x.example"}},
		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: "a@x.example", bad: true},
		{in: "to=", bad: true},
		{in: "to=a@x.example; cc=", bad: true},
		{in: "to=a@x.example; to=b@x.example", bad: true},
		{in: "to=a@x.example;", bad: true},
		{in: "to=not an address", bad: true},
		{in: "from=a@x.example", bad: true},
	}
	for _, tt := range tests {
		to, cc, bcc, err := ParseChosenRecipient(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: accepted as %v %v %v", tt.in, to, cc, bcc)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(to, tt.to) || !reflect.DeepEqual(cc, tt.cc) || !reflect.DeepEqual(bcc, tt.bcc) {
			t.Errorf("%q: got %q %q %q %v", tt.in, to, cc, bcc, err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	d := sampleDraft()
	d.Attachments = nil
	d.Bcc = nil
	line := "Sehr geehrte Damen und Herren, hiermit übersende ich Ihnen die Unterlagen.\n"
	d.Text = strings.Repeat(line, 5<<10/len(line)+1)[:5<<10]
	b.SetBytes(int64(len(d.Text)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Build(d)
		if err != nil {
			b.Fatal(err)
		}
		_ = m.Header(ViewRecipient, "")
	}
}
