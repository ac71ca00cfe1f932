package evidence

// A small DER writer for the per-document part of signing: the sizes are
// known, so each structure is written front to back into one buffer, without
// the nested builders (and their allocations) of cryptobyte, which stays in
// use for everything written once per signer and for all parsing.

// DER tags used here (X.690 §8.1.2).
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagOID         = 0x06
	tagUTCTime     = 0x17
	tagGenTime     = 0x18
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0] constructed
	tagContext1    = 0xa1 // [1] constructed
)

// Complete DER elements that never change.
const (
	derVersion1  = "\x02\x01\x01"
	derAlgSHA256 = "\x30\x0b\x06\x09" + oidSHA256          // AlgorithmIdentifier, parameters absent
	derAlgECDSA  = "\x30\x0a\x06\x08" + oidECDSAWithSHA256 // AlgorithmIdentifier, parameters absent
)

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

// appendOID appends an OBJECT IDENTIFIER from the content octets.
func appendOID(b []byte, oid string) []byte {
	b = appendHeader(b, tagOID, len(oid))
	return append(b, oid...)
}
