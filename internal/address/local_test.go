package address_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/address"
)

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		// German
		{"Müller-Lüdenscheidt", "Mueller-Luedenscheidt"},
		{"Straße", "Strasse"},
		{"Ärger Öl Übel", "AErger OEl UEbel"},
		{"GROẞ", "GROSS"},
		// decomposed input (u + combining diaeresis) maps like the composed form
		{"Mu\u0308ller", "Mueller"},
		// Scandinavian and Icelandic
		{"Søren Kierkegaard", "Soeren Kierkegaard"},
		{"Åsa Ærø", "AAsa AEroe"},
		{"Þórunn Guðmundsdóttir", "THorunn Gudmundsdottir"},
		// Polish
		{"Łukasz Żółć", "Lukasz Zolc"},
		{"Wałęsa Ścibor Źrebiec Ńa", "Walesa Scibor Zrebiec Na"},
		// French
		{"François Noël Cœur", "Francois Noel Coeur"},
		{"Hélène Ève Grâce", "Helene Eve Grace"},
		// Turkish
		{"İsmail Çağlar Işık Öztürk Şahin", "Ismail Caglar Isik OEztuerk Sahin"},
		{"ığüşöç", "iguesoec"},
		// Spanish, Portuguese, Czech, Hungarian, Croatian, Romanian
		{"Peña João", "Pena Joao"},
		{"Dvořák Šťastný Ěa", "Dvorak Stastny Ea"},
		{"Erdős Ödön", "Erdos OEdoen"},
		{"Đorđević", "Dordevic"},
		{"Ștefan Țurcanu Ş", "Stefan Turcanu S"},
		{"Ĳsselmeer ĳs", "IJsselmeer ijs"},
		// ASCII passes unchanged, punctuation included
		{"O'Brien, Jr.", "O'Brien, Jr."},
		// other white space and dashes become ASCII
		{"Anne\u00a0Marie\u2010Louise\u2013X", "Anne Marie-Louise-X"},
		// what cannot be mapped is dropped
		{"Иван 李 ×÷", "  "},
		{"a\xffb", "ab"},
	}
	for _, tt := range tests {
		if got := address.Transliterate(tt.in); got != tt.want {
			t.Errorf("Transliterate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTransliterateCoversLatinBlocks checks that every letter of Latin-1
// Supplement and Latin Extended-A maps to ASCII letters, as the ICAO table
// requires for the characters it lists.
func TestTransliterateCoversLatinBlocks(t *testing.T) {
	for r := rune(0xC0); r <= 0x17F; r++ {
		if r == 0xD7 || r == 0xF7 { // × and ÷ are not letters
			continue
		}
		got := address.Transliterate(string(r))
		if got == "" {
			t.Errorf("Transliterate(%q U+%04X) is empty", r, r)
			continue
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				t.Errorf("Transliterate(%q U+%04X) = %q, not ASCII letters", r, r, got)
				break
			}
		}
	}
}

func TestLocalPart(t *testing.T) {
	tests := []struct {
		names []string
		want  string
		code  string
	}{
		{names: []string{"Hans Peter", "Müller-Lüdenscheidt"}, want: "hans_peter.mueller-luedenscheidt"},
		{names: []string{"Straße"}, want: "strasse"},
		{names: []string{"Erika", "Mustermann"}, want: "erika.mustermann"},
		{names: []string{"Wilhelm  Joachim", "von der Heide"}, want: "wilhelm_joachim.von_der_heide"},
		{names: []string{"  Seán ", " O'Brien "}, want: "sean.obrien"},
		{names: []string{"Anne-Marie", "Müller - Lüdenscheidt"}, want: "anne-marie.mueller-luedenscheidt"},
		{names: []string{"Dr. h.c. Max", "Muster, Jr."}, want: "dr_hc_max.muster_jr"},
		{names: []string{"Łukasz", "Żółć"}, want: "lukasz.zolc"},
		{names: []string{"Ömer", "Çelik"}, want: "oemer.celik"},
		{names: []string{"Björn", "Ødegård"}, want: "bjoern.oedegaard"},
		{names: []string{"Hans", "Peter", "Schmidt"}, want: "hans.peter.schmidt"},
		{names: []string{"Anne_Marie", "Weiß"}, want: "anne_marie.weiss"},
		{names: []string{"Jean\tLuc", "Picard\n"}, want: "jean_luc.picard"},
		{names: []string{"-Anna-", "_Berg_"}, want: "anna.berg"},
		// TR ACM-FU §2.1.1: no first name recorded ("---" or "") → surname only
		{names: []string{"---", "Mustermann"}, want: "mustermann"},
		{names: []string{"", "Mustermann"}, want: "mustermann"},
		{names: []string{" ", "Mustermann"}, want: "mustermann"},

		{names: nil, code: "empty"},
		{names: []string{""}, code: "empty"},
		{names: []string{"Erika", ""}, code: "empty"},
		{names: []string{"Erika", "---"}, code: "empty"},
		{names: []string{"李", "Mustermann"}, code: "empty"},
		{names: []string{"Erika", "'.,"}, code: "empty"},
		{names: []string{"Erika", strings.Repeat("x", 59)}, code: "too_long"}, // 65
		{names: []string{"Pn Anna", "Meier"}, code: "reserved"},
		{names: []string{"pn_x"}, code: "reserved"},
	}
	for _, tt := range tests {
		got, err := address.LocalPart(tt.names...)
		if code := codeOf(t, err); code != tt.code {
			t.Errorf("LocalPart(%q) code = %q (%v), want %q", tt.names, code, err, tt.code)
			continue
		}
		if got != tt.want {
			t.Errorf("LocalPart(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
	// exactly at the limit is fine
	if got, err := address.LocalPart("Erika", strings.Repeat("x", 58)); err != nil || len(got) != address.MaxLocal {
		t.Errorf("LocalPart at 64: %q, %v", got, err)
	}
}

func TestPseudonym(t *testing.T) {
	tests := []struct{ label, domain, want, code string }{
		{label: "anonym", domain: "siegel.test", want: "pn_anonym@siegel.test"},
		{label: "Schöne Grüße", domain: "Siegel.Test", want: "pn_schoene_gruesse@siegel.test"},
		{label: "a.b.c", domain: "siegel.test", want: "pn_abc@siegel.test"},
		{label: "no reply", domain: "siegel.test", want: "pn_no_reply@siegel.test"}, // not the reserved "no-reply"
		{label: "Käse-Fan 42", domain: "siegel.test", want: "pn_kaese-fan_42@siegel.test"},
		{label: strings.Repeat("x", 61), domain: "siegel.test", want: "pn_" + strings.Repeat("x", 61) + "@siegel.test"},

		{label: "", domain: "siegel.test", code: "empty"},
		{label: "!!!", domain: "siegel.test", code: "empty"},
		{label: "李", domain: "siegel.test", code: "empty"},
		{label: strings.Repeat("x", 62), domain: "siegel.test", code: "too_long"},
		{label: "Postmaster", domain: "siegel.test", code: "reserved"},
		{label: "Versandbestätigung", domain: "siegel.test", code: "reserved"},
		{label: "x", domain: "localhost", code: "syntax"},
	}
	for _, tt := range tests {
		a, err := address.Pseudonym(tt.label, tt.domain)
		if code := codeOf(t, err); code != tt.code {
			t.Errorf("Pseudonym(%q, %q) code = %q (%v), want %q", tt.label, tt.domain, code, err, tt.code)
			continue
		}
		if err != nil {
			continue
		}
		if a.String() != tt.want {
			t.Errorf("Pseudonym(%q, %q) = %q, want %q", tt.label, tt.domain, a, tt.want)
		}
		if !a.IsPseudonym() {
			t.Errorf("Pseudonym(%q) = %q is not a pseudonym", tt.label, a)
		}
		if b, err := address.Parse(a.String()); err != nil || b != a {
			t.Errorf("Pseudonym(%q) = %q does not parse back: %v", tt.label, a, err)
		}
	}
	// The whole-address limit binds before the local limit with a 189-octet domain.
	d := strings.Repeat("d", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("d", 58) + ".de"
	if _, err := address.Pseudonym(strings.Repeat("x", 61), d); codeOf(t, err) != "too_long" {
		t.Errorf("Pseudonym with 189-octet domain: %v, want too_long", err)
	}
	if a, err := address.Pseudonym(strings.Repeat("x", 60), d); err != nil || len(a.String()) != address.MaxTotal {
		t.Errorf("Pseudonym at 253: %v, %v", a, err)
	}
}

func TestIsReserved(t *testing.T) {
	for _, l := range []string{
		"versandbestaetigung", "eingangsbestaetigung", "abholbestaetigung",
		"schadsoftware-warnung", "postmaster", "abuse", "noreply", "no-reply",
		"mailer-daemon", "hostmaster", "webmaster", "admin", "root", "system",
		"benachrichtigung",
		"Versandbestaetigung", "POSTMASTER", " root ", "pn_postmaster",
	} {
		if !address.IsReserved(l) {
			t.Errorf("IsReserved(%q) = false", l)
		}
	}
	for _, l := range []string{"", "erika.mustermann", "root.2", "admin_x", "pn_", "pn_erika", "versandbestätigung"} {
		if address.IsReserved(l) {
			t.Errorf("IsReserved(%q) = true", l)
		}
	}
}

func TestLocalPartIsASCII(t *testing.T) {
	got, err := address.LocalPart("Zoë Ünal-Åkesson", "Ñúñez")
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.ValidString(got) || strings.ContainsFunc(got, func(r rune) bool { return r >= utf8.RuneSelf }) {
		t.Fatalf("LocalPart gave non-ASCII %q", got)
	}
	if got != "zoe_uenal-aakesson.nunez" {
		t.Fatalf("LocalPart = %q", got)
	}
}
