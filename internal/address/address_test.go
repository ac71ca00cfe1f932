package address_test

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/problem"
)

// codeOf returns the problem code in err, "" for nil, and fails the test when
// err is not a problem of kind Invalid with an empty field.
func codeOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	p := problem.As(err)
	if p == nil {
		t.Fatalf("error %v is not a *problem.Error", err)
	}
	if p.Kind != problem.Invalid {
		t.Errorf("problem kind = %v, want Invalid", p.Kind)
	}
	if p.Field != "" {
		t.Errorf("problem field = %q, want empty", p.Field)
	}
	if p.Message == "" {
		t.Errorf("problem %q has no message", p.Code)
	}
	return p.Code
}

func TestParse(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	domain189 := strings.Join([]string{long63, long63, strings.Repeat("b", 58), "de"}, ".") // 63+1+63+1+58+1+2
	if len(domain189) != 189 {
		t.Fatalf("test setup: domain length %d", len(domain189))
	}
	tests := []struct {
		in   string
		want string // canonical form when valid
		code string // problem code when invalid
	}{
		{in: "erika.mustermann@dmda-a.example", want: "erika.mustermann@dmda-a.example"},
		{in: "  Erika.Mustermann@DMDA-A.Example\t", want: "erika.mustermann@dmda-a.example"},
		{in: "hans_peter.mueller-luedenscheidt.2@siegel.test", want: "hans_peter.mueller-luedenscheidt.2@siegel.test"},
		{in: "pn_anonym@siegel.test", want: "pn_anonym@siegel.test"},
		{in: "pn_x-y_z@siegel.test", want: "pn_x-y_z@siegel.test"},
		{in: "poststelle@standort-a.institution.de-mail.de", want: "poststelle@standort-a.institution.de-mail.de"},
		{in: "a@b.localhost", want: "a@b.localhost"},
		{in: "a@x1.c0m", want: "a@x1.c0m"},
		{in: "Versandbestaetigung@provider.example", want: "versandbestaetigung@provider.example"},
		{in: "-a_@b.example", want: "-a_@b.example"},
		{in: strings.Repeat("a", 64) + "@" + strings.Repeat("d", 63) + ".de", want: strings.Repeat("a", 64) + "@" + strings.Repeat("d", 63) + ".de"},
		{in: strings.Repeat("a", 63) + "@" + domain189, want: strings.Repeat("a", 63) + "@" + domain189}, // exactly 253

		{in: "", code: "empty"},
		{in: "   ", code: "empty"},
		{in: "@example.org", code: "empty"},
		{in: "a@", code: "empty"},
		{in: "a.example.org", code: "syntax"},
		{in: "a@b@example.org", code: "syntax"},
		{in: "Erika <erika@example.org>", code: "syntax"},
		{in: "<erika@example.org>", code: "syntax"},
		{in: `"erika"@example.org`, code: "syntax"},
		{in: "erika (home)@example.org", code: "syntax"},
		{in: "eri ka@example.org", code: "syntax"},
		{in: "erika@exa mple.org", code: "syntax"},
		{in: "erika\x00@example.org", code: "syntax"},
		{in: "erika\x7f@example.org", code: "syntax"},
		{in: "erika\n@example.org", code: "syntax"},
		{in: "müller@example.org", code: "syntax"},
		{in: "erika@bücher.de", code: "syntax"},
		{in: "\u212Aarl@example.org", code: "syntax"}, // Kelvin sign lower-cases to ASCII k in Unicode
		{in: "erika+tag@example.org", code: "syntax"},
		{in: "e/rika@example.org", code: "syntax"},
		{in: ".erika@example.org", code: "syntax"},
		{in: "erika.@example.org", code: "syntax"},
		{in: "eri..ka@example.org", code: "syntax"},
		{in: "pn_@example.org", code: "empty"},
		{in: "pn_a.b@example.org", code: "syntax"},
		{in: strings.Repeat("a", 65) + "@example.org", code: "too_long"},
		{in: "a@b." + domain189, code: "too_long"},                        // domain 191, labels fine
		{in: strings.Repeat("a", 64) + "@" + domain189, code: "too_long"}, // 254 in all
		{in: "a@localhost", code: "syntax"},
		{in: "a@example", code: "syntax"},
		{in: "a@.example.org", code: "syntax"},
		{in: "a@example.org.", code: "syntax"},
		{in: "a@example..org", code: "syntax"},
		{in: "a@-example.org", code: "syntax"},
		{in: "a@example-.org", code: "syntax"},
		{in: "a@exa_mple.org", code: "syntax"},
		{in: "a@192.168.0.1", code: "syntax"},
		{in: "a@[192.168.0.1]", code: "syntax"},
		{in: "a@" + strings.Repeat("x", 64) + ".de", code: "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := address.Parse(tt.in)
			if code := codeOf(t, err); code != tt.code {
				t.Fatalf("Parse(%q) code = %q (%v), want %q", tt.in, code, err, tt.code)
			}
			if err != nil {
				if a != (address.Address{}) {
					t.Errorf("Parse(%q) returned %v with an error", tt.in, a)
				}
				return
			}
			if got := a.String(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{in: "Siegel.Example", want: "siegel.example"},
		{in: " de-mail.de ", want: "de-mail.de"},
		{in: "a.b.c.d.test", want: "a.b.c.d.test"},
		{in: "", code: "empty"},
		{in: "localhost", code: "syntax"},
		{in: "example.org.", code: "syntax"},
		{in: "exämple.org", code: "syntax"},
		{in: "ex ample.org", code: "syntax"},
		{in: "1.2.3.4", code: "syntax"},
		{in: strings.Repeat("a.", 95) + "de", code: "too_long"}, // 192
	}
	for _, tt := range tests {
		got, err := address.ParseDomain(tt.in)
		if code := codeOf(t, err); code != tt.code {
			t.Errorf("ParseDomain(%q) code = %q (%v), want %q", tt.in, code, err, tt.code)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDomain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWithField(t *testing.T) {
	_, err := address.Parse("no at sign")
	p := problem.As(problem.WithField(err, "address"))
	if p == nil || p.Field != "address" || p.Code != "syntax" {
		t.Fatalf("WithField gave %#v", p)
	}
}

func TestIsPseudonym(t *testing.T) {
	for in, want := range map[string]bool{
		"pn_anonym@siegel.test":   true,
		"pn_a@siegel.test":        true,
		"erika.pn_x@siegel.test":  false,
		"pnx.mueller@siegel.test": false,
		"pn.mueller@siegel.test":  false,
	} {
		if got := address.MustParse(in).IsPseudonym(); got != want {
			t.Errorf("%s: IsPseudonym = %v, want %v", in, got, want)
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse of an invalid address did not panic")
		}
	}()
	address.MustParse("not an address")
}

func TestStringRoundTrip(t *testing.T) {
	a := address.Address{Local: "erika.mustermann", Domain: "siegel.test"}
	if a.String() != "erika.mustermann@siegel.test" {
		t.Fatalf("String = %q", a.String())
	}
	if b := address.MustParse(a.String()); b != a {
		t.Fatalf("round trip gave %#v", b)
	}
}
