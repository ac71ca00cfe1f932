package cms

import "time"

// DER times, written and read by hand: every signature writes one and every
// token read on the signing path holds two, and time.Format and time.Parse
// cost more than the rest of the encoding around them. Only the forms DER
// allows are read (X.690 §11.7, §11.8): UTC ("Z"), seconds always present,
// a GeneralizedTime fraction without trailing zeros.

// appendTime appends YYMMDDhhmmss (UTCTime) or YYYYMMDDhhmmss
// (GeneralizedTime), then a fraction of the second if frac and not zero,
// then "Z". t must be UTC with a year in 0–9999.
func appendTime(b []byte, t time.Time, fullYear, frac bool) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if fullYear {
		b = append2(b, y/100)
	}
	b = append2(b, y%100)
	for _, n := range []int{int(mo), d, h, mi, s} {
		b = append2(b, n)
	}
	if ns := t.Nanosecond(); frac && ns != 0 {
		var digits [9]byte
		for i := 8; i >= 0; i-- {
			digits[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 9
		for digits[n-1] == '0' {
			n--
		}
		b = append(append(b, '.'), digits[:n]...)
	}
	return append(b, 'Z')
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// readUTCTime reads the contents of a DER UTCTime, YYMMDDhhmmssZ; YY below
// 50 is 20YY (RFC 5280 §4.1.2.5.1).
func readUTCTime(s []byte, t *time.Time) bool {
	if len(s) != 13 || s[12] != 'Z' {
		return false
	}
	yy, ok := digits(s[:2])
	if !ok {
		return false
	}
	if yy < 50 {
		yy += 2000
	} else {
		yy += 1900
	}
	return readDateTime(yy, s[2:12], 0, t)
}

// readGeneralizedTime reads the contents of a DER GeneralizedTime,
// YYYYMMDDhhmmss[.f…]Z, the fraction only if frac.
func readGeneralizedTime(s []byte, frac bool, t *time.Time) bool {
	if len(s) < 15 || s[len(s)-1] != 'Z' {
		return false
	}
	y, ok := digits(s[:4])
	if !ok {
		return false
	}
	ns := 0
	if f := s[14 : len(s)-1]; len(f) > 0 {
		// ".d" to ".ddddddddd", the last digit not 0 (X.690 §11.7.3).
		if !frac || len(f) < 2 || len(f) > 10 || f[0] != '.' || f[len(f)-1] == '0' {
			return false
		}
		n, ok := digits(f[1:])
		if !ok {
			return false
		}
		for i := len(f) - 1; i < 9; i++ {
			n *= 10
		}
		ns = n
	}
	return readDateTime(y, s[4:14], ns, t)
}

// readDateTime reads MMDDhhmmss of year y: a real date, a time before 24:00,
// no leap second (which time.Time cannot hold).
func readDateTime(y int, s []byte, ns int, t *time.Time) bool {
	var f [5]int
	for i := range f {
		var ok bool
		if f[i], ok = digits(s[2*i : 2*i+2]); !ok {
			return false
		}
	}
	mo, d, h, mi, sec := f[0], f[1], f[2], f[3], f[4]
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return false
	}
	*t = time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	return t.Day() == d // time.Date moves 31 April to 1 May
}

// digits reads a decimal number of ASCII digits only.
func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
