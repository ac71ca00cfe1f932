package address

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Transliterate writes s in ASCII following ICAO Doc 9303 Part 3, section 6,
// "Transliteration of multinational Latin-based characters", which TR ACM-FU
// §2.1.3 makes binding for addresses ("identisch auf Kleinbuchstaben
// anzuwenden"): ä→ae, ö→oe, ü→ue, ß→ss, å→aa, æ→ae, ø→oe, þ→th, other
// accented letters to their base letter. Case is kept (Ä→AE, ä→ae).
//
// ASCII passes unchanged. Beyond the ICAO table, which the TR leaves open:
// non-ASCII white space becomes a space and dashes become "-", so names
// typed with a no-break space or a typographic hyphen split as the document
// does; a letter the table lacks but that Unicode decomposes into an ASCII
// letter plus accents (ș, ț, ǎ …) becomes that letter. Anything else, such as
// non-Latin scripts, is dropped.
func Transliterate(s string) string {
	// Compose first so that a decomposed "u"+U+0308 meets the table entry for
	// "ü" and becomes "ue", not "u".
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case icao[r] != "":
			b.WriteString(icao[r])
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Pd, r):
			b.WriteByte('-')
		default:
			b.WriteString(baseLetter(r))
		}
	}
	return b.String()
}

// baseLetter returns the ASCII letter under r's accents, or "" when r does
// not decompose canonically to one ASCII letter followed by combining marks.
func baseLetter(r rune) string {
	d := norm.NFD.String(string(r))
	base, size := utf8.DecodeRuneInString(d)
	if base >= utf8.RuneSelf || !unicode.IsLetter(base) || size == len(d) {
		return ""
	}
	for _, m := range d[size:] {
		if !unicode.Is(unicode.Mn, m) {
			return ""
		}
	}
	return string(base)
}

// icao is the ICAO Doc 9303 Part 3 table of multinational Latin-based
// characters, upper case as in the document plus the same rule for lower
// case (TR ACM-FU §2.1.3), covering every letter of Latin-1 Supplement and
// Latin Extended-A. Where ICAO gives alternatives (Ä: AE or A, Ü: UE, UXX or
// U, Ñ: N or NXX) the first, general one is used, as German documents do.
// Read only.
var icao = map[rune]string{
	// Latin-1 Supplement, upper case
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "AE", 'Å': "AA", 'Æ': "AE",
	'Ç': "C",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ð': "D", 'Ñ': "N",
	'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "OE", 'Ø': "OE",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "UE",
	'Ý': "Y", 'Þ': "TH", 'ß': "ss",
	// Latin-1 Supplement, lower case
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "ae", 'å': "aa", 'æ': "ae",
	'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ð': "d", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "oe", 'ø': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "ue",
	'ý': "y", 'þ': "th", 'ÿ': "y",

	// Latin Extended-A (U+0100–U+017F), in code point order
	'Ā': "A", 'ā': "a", 'Ă': "A", 'ă': "a", 'Ą': "A", 'ą': "a",
	'Ć': "C", 'ć': "c", 'Ĉ': "C", 'ĉ': "c", 'Ċ': "C", 'ċ': "c", 'Č': "C", 'č': "c",
	'Ď': "D", 'ď': "d", 'Đ': "D", 'đ': "d",
	'Ē': "E", 'ē': "e", 'Ĕ': "E", 'ĕ': "e", 'Ė': "E", 'ė': "e", 'Ę': "E", 'ę': "e", 'Ě': "E", 'ě': "e",
	'Ĝ': "G", 'ĝ': "g", 'Ğ': "G", 'ğ': "g", 'Ġ': "G", 'ġ': "g", 'Ģ': "G", 'ģ': "g",
	'Ĥ': "H", 'ĥ': "h", 'Ħ': "H", 'ħ': "h",
	'Ĩ': "I", 'ĩ': "i", 'Ī': "I", 'ī': "i", 'Ĭ': "I", 'ĭ': "i", 'Į': "I", 'į': "i",
	'İ': "I", 'ı': "i", // Turkish dotted capital and dotless small i
	'Ĳ': "IJ", 'ĳ': "ij",
	'Ĵ': "J", 'ĵ': "j",
	'Ķ': "K", 'ķ': "k",
	'ĸ': "k", // kra: not in the ICAO table; its base shape is k
	'Ĺ': "L", 'ĺ': "l", 'Ļ': "L", 'ļ': "l", 'Ľ': "L", 'ľ': "l", 'Ŀ': "L", 'ŀ': "l", 'Ł': "L", 'ł': "l",
	'Ń': "N", 'ń': "n", 'Ņ': "N", 'ņ': "n", 'Ň': "N", 'ň': "n",
	'ŉ': "n", // 'n: the apostrophe would be dropped from a name anyway
	'Ŋ': "N", 'ŋ': "n",
	'Ō': "O", 'ō': "o", 'Ŏ': "O", 'ŏ': "o", 'Ő': "O", 'ő': "o",
	'Œ': "OE", 'œ': "oe",
	'Ŕ': "R", 'ŕ': "r", 'Ŗ': "R", 'ŗ': "r", 'Ř': "R", 'ř': "r",
	'Ś': "S", 'ś': "s", 'Ŝ': "S", 'ŝ': "s", 'Ş': "S", 'ş': "s", 'Š': "S", 'š': "s",
	'Ţ': "T", 'ţ': "t", 'Ť': "T", 'ť': "t", 'Ŧ': "T", 'ŧ': "t",
	'Ũ': "U", 'ũ': "u", 'Ū': "U", 'ū': "u", 'Ŭ': "U", 'ŭ': "u", 'Ů': "U", 'ů': "u",
	'Ű': "U", 'ű': "u", 'Ų': "U", 'ų': "u",
	'Ŵ': "W", 'ŵ': "w",
	'Ŷ': "Y", 'ŷ': "y", 'Ÿ': "Y",
	'Ź': "Z", 'ź': "z", 'Ż': "Z", 'ż': "z", 'Ž': "Z", 'ž': "z",
	'ſ': "s", // long s

	// Outside the two blocks, common in names on German documents.
	'ẞ': "SS", // capital sharp s (official German orthography since 2017)
}
