package letter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// sampleDraft is a valid letter with every feature; tests change a copy.
func sampleDraft() Draft {
	return Draft{
		MessageID: "20250301T120000Z.4f9a2c",
		From:      "max.mustermann@siegel.example",
		FromName:  "Max Müßtermann",
		To:        []string{"erika.mustermann@siegel.example", "info@firma.example"},
		Cc:        []string{"akte@amt.example"},
		Bcc:       []string{"geheim.eins@siegel.example", "geheim.zwei@andere.example"},
		Subject:   "Bescheid über Ihren Antrag vom 1. März – Az. 4711/2024",
		Text:      "Sehr geehrte Frau Mustermann,\r\n\r\nanbei der Bescheid. Grüße \r\nMax Mustermann\r\n",
		Attachments: []Attachment{
			{Filename: "Bescheid Nr. 1 – März.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n")},
			{Filename: "daten.bin", Data: binaryData(1000)},
			{Filename: "Übersicht \"2024\".txt", ContentType: "text/plain; charset=utf-8", Data: []byte("Zeile 1\nZeile 2\n")},
		},
		Options:   Options{PickupConfirmation: true, ReceiptConfirmation: true, PrivateID: "Az. 4711/2024 – Müller"},
		AuthLevel: account.High,
		Provider:  "siegel.example",
		Date:      time.Date(2025, 3, 1, 12, 30, 45, 0, time.FixedZone("CET", 3600)),
	}
}

func binaryData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/256)
	}
	return b
}

func TestCheckDraftAcceptsSample(t *testing.T) {
	t.Parallel()
	if err := CheckDraft(sampleDraft(), 20<<20); err != nil {
		t.Fatal(err)
	}
}

func TestCheckDraft(t *testing.T) {
	t.Parallel()
	invalid := func(field, code string) wantProblem { return wantProblem{problem.Invalid, field, code} }
	many := func(n int, domain string) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = fmt.Sprintf("r%d@%s", i, domain)
		}
		return l
	}
	tests := []struct {
		name   string
		change func(*Draft)
		max    int64
		want   wantProblem
	}{
		{"no recipients", func(d *Draft) { d.To, d.Cc, d.Bcc = nil, nil, nil }, 0, invalid("to", "required")},
		{"only cc", func(d *Draft) { d.To = nil }, 0, invalid("to", "required")},
		{"1000 recipients", func(d *Draft) { d.To, d.Cc, d.Bcc = many(998, "a.example"), many(1, "b.example"), many(1, "c.example") }, 0, ok},
		{"1001 recipients", func(d *Draft) { d.To, d.Cc, d.Bcc = many(999, "a.example"), many(1, "b.example"), many(1, "c.example") }, 0, invalid("to", "too_many_recipients")},
		{"to without @", func(d *Draft) { d.To[1] = "erika" }, 0, invalid("to[1]", "syntax")},
		{"to with two @", func(d *Draft) { d.To[0] = "a@b@c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with space", func(d *Draft) { d.To[0] = "a b@c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with CRLF", func(d *Draft) { d.To[0] = "a@c.example\r\nBcc: x@y.example" }, 0, invalid("to[0]", "syntax")},
		{"to with angle brackets", func(d *Draft) { d.To[0] = "<a@c.example>" }, 0, invalid("to[0]", "syntax")},
		{"to with name", func(d *Draft) { d.To[0] = "Erika <a@c.example>" }, 0, invalid("to[0]", "syntax")},
		{"to with comma", func(d *Draft) { d.To[0] = "a,b@c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with semicolon", func(d *Draft) { d.To[0] = "a;b@c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with empty local", func(d *Draft) { d.To[0] = "@c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with bad domain", func(d *Draft) { d.To[0] = "a@-c.example" }, 0, invalid("to[0]", "syntax")},
		{"to with empty label", func(d *Draft) { d.To[0] = "a@c..example" }, 0, invalid("to[0]", "syntax")},
		{"to with umlaut", func(d *Draft) { d.To[0] = "jürgen@c.example" }, 0, invalid("to[0]", "syntax")},
		{"local part 65", func(d *Draft) { d.To[0] = strings.Repeat("a", 65) + "@c.example" }, 0, invalid("to[0]", "syntax")},
		{"cc bad", func(d *Draft) { d.Cc = []string{""} }, 0, invalid("cc[0]", "syntax")},
		{"bcc bad", func(d *Draft) { d.Bcc[1] = "x" }, 0, invalid("bcc[1]", "syntax")},
		{"duplicate in to", func(d *Draft) { d.To = append(d.To, d.To[0]) }, 0, invalid("to[2]", "duplicate_recipient")},
		{"duplicate to/cc", func(d *Draft) { d.Cc = append(d.Cc, d.To[1]) }, 0, invalid("cc[1]", "duplicate_recipient")},
		{"duplicate cc/bcc differing in case", func(d *Draft) { d.Bcc[0] = strings.ToUpper(d.Cc[0]) }, 0, invalid("bcc[0]", "duplicate_recipient")},
		{"subject 998", func(d *Draft) { d.Subject = strings.Repeat("x", 998) }, 0, ok},
		{"subject 999", func(d *Draft) { d.Subject = strings.Repeat("x", 999) }, 0, invalid("subject", "too_long")},
		{"subject LF", func(d *Draft) { d.Subject = "a\nBcc: x@y.example" }, 0, invalid("subject", "syntax")},
		{"subject CR", func(d *Draft) { d.Subject = "a\rb" }, 0, invalid("subject", "syntax")},
		{"subject DEL", func(d *Draft) { d.Subject = "a\x7fb" }, 0, invalid("subject", "syntax")},
		{"subject not UTF-8", func(d *Draft) { d.Subject = "a\xc3" }, 0, invalid("subject", "syntax")},
		{"text not UTF-8", func(d *Draft) { d.Text = "Gr\xfc\xdfe" }, 0, invalid("text", "syntax")},
		{"empty text", func(d *Draft) { d.Text = "" }, 0, ok},
		{"filename missing", func(d *Draft) { d.Attachments[2].Filename = "" }, 0, invalid("attachments[2].filename", "required")},
		{"filename slash", func(d *Draft) { d.Attachments[1].Filename = "../etc/passwd" }, 0, invalid("attachments[1].filename", "syntax")},
		{"filename backslash", func(d *Draft) { d.Attachments[0].Filename = `C:\a.pdf` }, 0, invalid("attachments[0].filename", "syntax")},
		{"filename dotdot", func(d *Draft) { d.Attachments[0].Filename = ".." }, 0, invalid("attachments[0].filename", "syntax")},
		{"filename LF", func(d *Draft) { d.Attachments[0].Filename = "a\n.pdf" }, 0, invalid("attachments[0].filename", "syntax")},
		{"filename not UTF-8", func(d *Draft) { d.Attachments[0].Filename = "a\xff.pdf" }, 0, invalid("attachments[0].filename", "syntax")},
		{"filename 255", func(d *Draft) { d.Attachments[0].Filename = strings.Repeat("a", 251) + ".pdf" }, 0, ok},
		{"filename 256", func(d *Draft) { d.Attachments[0].Filename = strings.Repeat("a", 252) + ".pdf" }, 0, invalid("attachments[0].filename", "too_long")},
		{"content type bad", func(d *Draft) { d.Attachments[1].ContentType = "pdf" }, 0, invalid("attachments[1].content_type", "syntax")},
		{"content type multipart", func(d *Draft) { d.Attachments[1].ContentType = "multipart/mixed; boundary=x" }, 0, invalid("attachments[1].content_type", "syntax")},
		{"content type too long", func(d *Draft) { d.Attachments[1].ContentType = "text/plain; x=" + strings.Repeat("a", 250) }, 0, invalid("attachments[1].content_type", "too_long")},
		{"content type with name", func(d *Draft) { d.Attachments[1].ContentType = `application/pdf; name="other.pdf"` }, 0, ok},
		{"size at limit", func(d *Draft) { d.Text, d.Attachments = "", []Attachment{{Filename: "a", Data: make([]byte, 1<<20)}} }, 1 << 20, ok},
		{"size over limit", func(d *Draft) { d.Text, d.Attachments = "x", []Attachment{{Filename: "a", Data: make([]byte, 1<<20)}} }, 1 << 20,
			wantProblem{problem.TooLarge, "attachments", "too_large"}},
		{"size without limit", func(d *Draft) { d.Attachments = []Attachment{{Filename: "a", Data: make([]byte, 1<<20)}} }, 0, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sampleDraft()
			tt.change(&d)
			checkProblem(t, CheckDraft(d, tt.max), tt.want)
		})
	}
}

func TestCheckDraftTooLargeNamesLimit(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	d.Attachments = []Attachment{{Filename: "big.bin", Data: make([]byte, 20<<20)}}
	p := problem.As(CheckDraft(d, 20<<20))
	if p == nil || !strings.Contains(p.Message, "20 MiB") {
		t.Fatalf("got %v, want a message naming 20 MiB", p)
	}
}
