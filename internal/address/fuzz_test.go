package address_test

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/problem"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"erika.mustermann@siegel.test",
		" Erika.Mustermann@Siegel.Test ",
		"pn_anonym@siegel.test",
		"pn_@siegel.test",
		"a@b",
		"a@@b.c",
		"Erika <erika@example.org>",
		"\u212Aarl@example.org",
		"müller@example.org",
		"a..b@example.org",
		"a@1.2.3.4",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".de",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := address.Parse(s)
		if err != nil {
			p := problem.As(err)
			if p == nil || p.Kind != problem.Invalid || p.Code == "" || p.Field != "" {
				t.Fatalf("Parse(%q) error %#v is not an Invalid problem with a code", s, err)
			}
			return
		}
		if len(a.Local) == 0 || len(a.Local) > address.MaxLocal {
			t.Fatalf("Parse(%q): local part length %d", s, len(a.Local))
		}
		if len(a.Domain) == 0 || len(a.Domain) > address.MaxDomain {
			t.Fatalf("Parse(%q): domain length %d", s, len(a.Domain))
		}
		if len(a.String()) > address.MaxTotal {
			t.Fatalf("Parse(%q): total length %d", s, len(a.String()))
		}
		for i := 0; i < len(a.String()); i++ {
			if c := a.String()[i]; c >= 0x7f || c <= ' ' || ('A' <= c && c <= 'Z') {
				t.Fatalf("Parse(%q) = %q holds byte %#x", s, a, c)
			}
		}
		b, err := address.Parse(a.String())
		if err != nil || b != a {
			t.Fatalf("Parse(%q) = %#v; reparse gave %#v, %v", s, a, b, err)
		}
		if !strings.EqualFold(strings.TrimSpace(s), a.String()) {
			t.Fatalf("Parse(%q) = %q changed more than case and surrounding space", s, a)
		}
		if d, err := address.ParseDomain(a.Domain); err != nil || d != a.Domain {
			t.Fatalf("ParseDomain(%q) = %q, %v", a.Domain, d, err)
		}
	})
}

func FuzzLocalPart(f *testing.F) {
	for _, p := range [][2]string{
		{"Hans Peter", "Müller-Lüdenscheidt"},
		{"", "Straße"},
		{"---", "Mustermann"},
		{"Łukasz", "Żółć"},
		{"İsmail", "Öztürk"},
		{"Pn Anna", "Meier"},
		{"O'Brien", " - "},
		{"a\u0308", "\u00a0x\u2010y"},
		{"李", "Иван"},
		{"Erika", strings.Repeat("ß", 40)},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, first, last string) {
		local, err := address.LocalPart(first, last)
		if err != nil {
			p := problem.As(err)
			if p == nil || p.Kind != problem.Invalid || p.Code == "" {
				t.Fatalf("LocalPart(%q, %q) error %#v is not an Invalid problem", first, last, err)
			}
			return
		}
		if local == "" || len(local) > address.MaxLocal {
			t.Fatalf("LocalPart(%q, %q) = %q: bad length", first, last, local)
		}
		a, err := address.Parse(local + "@siegel.test")
		if err != nil || a.Local != local {
			t.Fatalf("LocalPart(%q, %q) = %q does not parse: %v", first, last, local, err)
		}
		if a.IsPseudonym() {
			t.Fatalf("LocalPart(%q, %q) = %q reads as a pseudonym", first, last, local)
		}
		// Generate must succeed for every name LocalPart accepts, and stay valid.
		g, err := address.Generate("siegel.test", []string{first, last},
			func(string) (bool, error) { return false, nil })
		if err != nil {
			t.Fatalf("Generate(%q, %q): %v", first, last, err)
		}
		if g.Local != local && !address.IsReserved(local) {
			t.Fatalf("Generate(%q, %q) = %q, LocalPart %q", first, last, g, local)
		}
	})
}
