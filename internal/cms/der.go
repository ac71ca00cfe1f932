package cms

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// A small DER writer (X.690 §8, §10). Signing is on the provider's hot path
// (an evidence document and a time-stamp per letter event), so each structure
// is sized first and written front to back into one buffer, without the
// nested builders of cryptobyte or the reflection of encoding/asn1.
// cryptobyte does all the reading.

// DER tags used here (X.690 §8.1.2).
const (
	tagBoolean     = 0x01
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagOID         = 0x06
	tagUTCTime     = 0x17
	tagGenTime     = 0x18
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0] constructed
	tagContext1    = 0xa1 // [1] constructed
	tagContext4    = 0xa4 // [4] constructed: directoryName in a GeneralName
)

// Object identifiers as the content octets of their DER encoding: strings, so
// they are constants and compare without allocating (TestOIDConstants checks
// each against its dotted form).
const (
	oidData                 = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"         // 1.2.840.113549.1.7.1, RFC 5652 §4
	oidSignedData           = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"         // 1.2.840.113549.1.7.2, RFC 5652 §5.1
	oidContentType          = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"         // 1.2.840.113549.1.9.3, RFC 5652 §11.1
	oidMessageDigest        = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"         // 1.2.840.113549.1.9.4, RFC 5652 §11.2
	oidSigningTime          = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"         // 1.2.840.113549.1.9.5, RFC 5652 §11.3
	oidSigningCertificate   = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0c" // 1.2.840.113549.1.9.16.2.12, RFC 2634 §5.4
	oidSigningCertificateV2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x2f" // 1.2.840.113549.1.9.16.2.47, RFC 5035 §3
	oidTimeStampToken       = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e" // 1.2.840.113549.1.9.16.2.14, RFC 3161 Appendix A
	oidTSTInfo              = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x04" // 1.2.840.113549.1.9.16.1.4, RFC 3161 §2.4.2
	oidSHA256               = "\x60\x86\x48\x01\x65\x03\x04\x02\x01"         // 2.16.840.1.101.3.4.2.1, RFC 5754 §2.2
	oidSHA384               = "\x60\x86\x48\x01\x65\x03\x04\x02\x02"         // 2.16.840.1.101.3.4.2.2, RFC 5754 §2.3
	oidSHA512               = "\x60\x86\x48\x01\x65\x03\x04\x02\x03"         // 2.16.840.1.101.3.4.2.3, RFC 5754 §2.4
	oidECDSAWithSHA256      = "\x2a\x86\x48\xce\x3d\x04\x03\x02"             // 1.2.840.10045.4.3.2, RFC 5758 §3.2
	oidECDSAWithSHA384      = "\x2a\x86\x48\xce\x3d\x04\x03\x03"             // 1.2.840.10045.4.3.3, RFC 5758 §3.2
	oidECDSAWithSHA512      = "\x2a\x86\x48\xce\x3d\x04\x03\x04"             // 1.2.840.10045.4.3.4, RFC 5758 §3.2
	oidRSAEncryption        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"         // 1.2.840.113549.1.1.1, RFC 3370 §3.2
	oidSHA256WithRSA        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"         // 1.2.840.113549.1.1.11, RFC 5754 §3.2
	oidSHA384WithRSA        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c"         // 1.2.840.113549.1.1.12, RFC 5754 §3.2
	oidSHA512WithRSA        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d"         // 1.2.840.113549.1.1.13, RFC 5754 §3.2
	oidTimeStamping         = "\x2b\x06\x01\x05\x05\x07\x03\x08"             // 1.3.6.1.5.5.7.3.8, RFC 5280 §4.2.1.12
)

// Complete DER elements that never change.
const (
	derVersion1  = "\x02\x01\x01"
	derVersion3  = "\x02\x01\x03"
	derAlgSHA256 = "\x30\x0b\x06\x09" + oidSHA256          // AlgorithmIdentifier, parameters absent (RFC 5754 §2)
	derAlgECDSA  = "\x30\x0a\x06\x08" + oidECDSAWithSHA256 // AlgorithmIdentifier, parameters absent (RFC 5758 §3.2)
)

// Object identifiers callers need. Functions, not variables: an OID is a
// slice, and a caller could otherwise change it for the whole process.

// OIDData is id-data, the content type of an evidence document (RFC 5652 §4).
func OIDData() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1} }

// OIDTSTInfo is id-ct-TSTInfo, the content type of a time-stamp token
// (RFC 3161 §2.4.2).
func OIDTSTInfo() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
}

// OIDSigningCertificateV2 is the signed attribute that binds a signature to
// the signer's certificate (RFC 5035 §3).
func OIDSigningCertificateV2() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
}

// OIDTimeStampToken is the unsigned attribute holding a signature time-stamp
// (RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3).
func OIDTimeStampToken() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
}

// parseOID decodes content octets; false for an encoding validOID refuses
// or an arc beyond 2³¹ (which no OID here has, and cryptobyte does not read
// either).
func parseOID(b []byte) (asn1.ObjectIdentifier, bool) {
	if !validOID(b) {
		return nil, false
	}
	n := 1
	for _, c := range b {
		if c&0x80 == 0 {
			n++
		}
	}
	oid := make(asn1.ObjectIdentifier, 0, n)
	v := 0
	for _, c := range b {
		if v >= 1<<24 {
			return nil, false
		}
		v = v<<7 | int(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		switch {
		case len(oid) > 0:
			oid = append(oid, v)
		case v < 80: // the first two arcs share a subidentifier (X.690 §8.19.4)
			oid = append(oid, v/40, v%40)
		default:
			oid = append(oid, 2, v-80)
		}
		v = 0
	}
	return oid, true
}

// oidName is an OID read from input, for a message: dotted, or in hex if
// it does not decode.
func oidName(contents []byte) string {
	if oid, ok := parseOID(contents); ok {
		return oid.String()
	}
	return fmt.Sprintf("%x", contents)
}

// oidContents encodes an object identifier's content octets (X.690 §8.19):
// the first two arcs in one subidentifier, each subidentifier in base 128,
// most significant group first, the high bit set on all but the last octet.
// The types written with every signature come from a table, unencoded.
func oidContents(oid asn1.ObjectIdentifier) (string, error) {
	for _, k := range knownOIDs {
		if oid.Equal(k.oid) {
			return k.contents, nil
		}
	}
	// oid.String(), not oid, goes into the error: a caller's OID, such as
	// OIDData(), then stays on its stack.
	if len(oid) < 2 || oid[0] < 0 || oid[0] > 2 || oid[1] < 0 || (oid[0] < 2 && oid[1] >= 40) {
		return "", fmt.Errorf("cms: %s is not a valid object identifier", oid.String())
	}
	b := appendBase128(make([]byte, 0, 2*len(oid)), oid[0]*40+oid[1])
	for _, n := range oid[2:] {
		if n < 0 {
			return "", fmt.Errorf("cms: %s is not a valid object identifier", oid.String())
		}
		b = appendBase128(b, n)
	}
	return string(b), nil
}

// knownOIDs are the object identifiers of the functions above, read only.
var knownOIDs = []struct {
	oid      asn1.ObjectIdentifier
	contents string
}{
	{OIDData(), oidData},
	{OIDTSTInfo(), oidTSTInfo},
	{OIDSigningCertificateV2(), oidSigningCertificateV2},
	{OIDTimeStampToken(), oidTimeStampToken},
}

func appendBase128(b []byte, n int) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(n & 0x7f)
	for n >>= 7; n > 0; n >>= 7 {
		i--
		tmp[i] = byte(n&0x7f) | 0x80
	}
	return append(b, tmp[i:]...)
}

// validOID reports whether content octets are a DER object identifier:
// not empty, every subidentifier minimal (no leading 0x80), the last one
// complete. Parse checks every OID it reads this way, even those it does not
// know, so that no non-DER encoding passes.
func validOID(b []byte) bool {
	if len(b) == 0 || b[len(b)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range b {
		if start && c == 0x80 {
			return false
		}
		start = c&0x80 == 0
	}
	return true
}

// tlvSize is the size of a DER element with n bytes of contents
// (X.690 §8.1.3: definite length, the shortest form).
func tlvSize(n int) int {
	switch {
	case n < 0x80:
		return 2 + n
	case n < 0x100:
		return 3 + n
	case n < 0x10000:
		return 4 + n
	case n < 0x1000000:
		return 5 + n
	}
	return 6 + n
}

// appendHeader appends the tag and the length of n content bytes.
func appendHeader(b []byte, tag byte, n int) []byte {
	b = append(b, tag)
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendTLV appends a whole element with the given contents.
func appendTLV(b []byte, tag byte, contents []byte) []byte {
	return append(appendHeader(b, tag, len(contents)), contents...)
}

// appendOID appends an OBJECT IDENTIFIER from its content octets.
func appendOID(b []byte, oid string) []byte {
	b = appendHeader(b, tagOID, len(oid))
	return append(b, oid...)
}

// integerContents is the DER content octets of an INTEGER (X.690 §8.3):
// two's complement, big-endian, in the fewest octets.
func integerContents(n *big.Int) ([]byte, error) {
	if n == nil {
		return nil, errors.New("cms: nil INTEGER")
	}
	switch n.Sign() {
	case 0:
		return []byte{0}, nil
	case 1:
		b := n.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...) // a positive number must not look negative
		}
		return b, nil
	}
	// -n-1 complemented is n in two's complement.
	m := new(big.Int).Neg(n)
	b := m.Sub(m, big.NewInt(1)).Bytes()
	for i := range b {
		b[i] ^= 0xff
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b, nil
}
