package cms

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TSTInfo is what a time-stamp token says (RFC 3161 §2.4.2). Extensions are
// neither written nor returned: Siegel's TSA writes none and no check here
// depends on one.
type TSTInfo struct {
	Policy        asn1.ObjectIdentifier
	HashAlgorithm crypto.Hash // of the message imprint; 0 for an algorithm this package does not know
	HashedMessage []byte
	SerialNumber  *big.Int // positive
	GenTime       time.Time
	Accuracy      time.Duration // 0: not stated
	Ordering      bool
	Nonce         *big.Int // the requester's; nil: none
	// TSAName is the tsa field's directoryName, a DER Name (the TSA
	// certificate's RawSubject); nil without the field or with another kind
	// of GeneralName.
	TSAName []byte
}

// hashOIDs are the imprint algorithms TSTInfo knows.
var hashOIDs = map[crypto.Hash]string{crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}

// MarshalTSTInfo encodes info, version 1, for a TSA to sign. The imprint's
// hash algorithm is written with its parameters absent (RFC 5754 §2).
func MarshalTSTInfo(info *TSTInfo) ([]byte, error) {
	policy, err := oidContents(info.Policy)
	if err != nil {
		return nil, err
	}
	hashOID, ok := hashOIDs[info.HashAlgorithm]
	if !ok || len(info.HashedMessage) != info.HashAlgorithm.Size() {
		return nil, errors.New("cms: TSTInfo: the imprint is not a SHA-256, -384 or -512 digest")
	}
	if info.SerialNumber == nil || info.SerialNumber.Sign() <= 0 {
		return nil, errors.New("cms: TSTInfo: the serial number must be positive")
	}
	serial, _ := integerContents(info.SerialNumber)
	gt := info.GenTime.UTC()
	if y := gt.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("cms: TSTInfo: genTime %v cannot be encoded", info.GenTime)
	}
	var tbuf [32]byte
	genTime := appendTime(tbuf[:0], gt, true, true)
	var obuf [160]byte
	optional, err := info.appendOptional(obuf[:0])
	if err != nil {
		return nil, err
	}
	alg := tlvSize(len(hashOID))
	imprint := tlvSize(alg) + tlvSize(len(info.HashedMessage))
	n := len(derVersion1) + tlvSize(len(policy)) + tlvSize(imprint) + tlvSize(len(serial)) + tlvSize(len(genTime)) + len(optional)
	b := appendHeader(make([]byte, 0, tlvSize(n)), tagSequence, n)
	b = append(b, derVersion1...)
	b = appendOID(b, policy)
	b = appendHeader(b, tagSequence, imprint)
	b = appendHeader(b, tagSequence, alg)
	b = appendOID(b, hashOID)
	b = appendTLV(b, tagOctetString, info.HashedMessage)
	b = appendTLV(b, tagInteger, serial)
	b = appendTLV(b, tagGenTime, genTime)
	return append(b, optional...), nil
}

// appendOptional appends the fields after genTime that info has:
// accuracy, ordering, nonce, tsa.
func (info *TSTInfo) appendOptional(b []byte) ([]byte, error) {
	acc, err := accuracyContents(info.Accuracy)
	if err != nil {
		return nil, err
	}
	if acc != nil {
		b = appendTLV(b, tagSequence, acc)
	}
	if info.Ordering {
		b = append(b, tagBoolean, 1, 0xff) // DEFAULT FALSE: DER writes it only when true
	}
	if info.Nonce != nil {
		nonce, _ := integerContents(info.Nonce)
		b = appendTLV(b, tagInteger, nonce)
	}
	if info.TSAName != nil {
		// tsa [0] GeneralName: a CHOICE, so the tag is explicit; so is
		// directoryName [4], around a Name, itself a CHOICE.
		b = appendHeader(b, tagContext0, tlvSize(len(info.TSAName)))
		b = appendTLV(b, tagContext4, info.TSAName)
	}
	return b, nil
}

// accuracyContents encodes Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL,
// millis [0] INTEGER (1..999) OPTIONAL, micros [1] INTEGER (1..999)
// OPTIONAL } without its header; nil for 0.
func accuracyContents(d time.Duration) ([]byte, error) {
	if d < 0 || d%time.Microsecond != 0 {
		return nil, fmt.Errorf("cms: TSTInfo: accuracy %v is negative or finer than a microsecond", d)
	}
	var b []byte
	for _, f := range []struct {
		tag byte
		n   time.Duration
	}{{tagInteger, d / time.Second}, {0x80, d % time.Second / time.Millisecond}, {0x81, d % time.Millisecond / time.Microsecond}} {
		if f.n > 0 {
			v, _ := integerContents(big.NewInt(int64(f.n)))
			b = appendTLV(b, f.tag, v)
		}
	}
	return b, nil
}

// parseTSTInfo reads a DER TSTInfo strictly: version 1, every field in the
// form DER gives it, nothing after the last.
func parseTSTInfo(der []byte, t *TSTInfo) error {
	s := cryptobyte.String(der)
	var info cryptobyte.String
	var version int64
	if !s.ReadASN1(&info, cbasn1.SEQUENCE) || !s.Empty() {
		return formatf("TSTInfo: not one DER SEQUENCE")
	}
	if !info.ReadASN1Integer(&version) || version != 1 {
		return formatf("TSTInfo: version is not 1")
	}
	if !info.ReadASN1ObjectIdentifier(&t.Policy) {
		return formatf("TSTInfo: malformed policy")
	}
	if err := t.readImprint(&info); err != nil {
		return err
	}
	t.SerialNumber = new(big.Int)
	if !info.ReadASN1Integer(t.SerialNumber) || t.SerialNumber.Sign() <= 0 {
		return formatf("TSTInfo: the serial number is not a positive INTEGER")
	}
	var gt cryptobyte.String
	if !info.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return formatf("TSTInfo: malformed genTime")
	}
	if !readGeneralizedTime(gt, true, &t.GenTime) {
		return formatf("TSTInfo: genTime %q is not a DER GeneralizedTime", []byte(gt))
	}
	return t.readOptional(&info)
}

// readImprint reads messageImprint: SEQUENCE { hashAlgorithm, hashedMessage }.
// An algorithm this package does not know is not a format error: it leaves
// HashAlgorithm 0, and CheckImprint refuses it.
func (t *TSTInfo) readImprint(info *cryptobyte.String) error {
	var mi, alg cryptobyte.String
	if !info.ReadASN1(&mi, cbasn1.SEQUENCE) || !mi.ReadASN1Element(&alg, cbasn1.SEQUENCE) ||
		!mi.ReadASN1Bytes(&t.HashedMessage, cbasn1.OCTET_STRING) || !mi.Empty() {
		return formatf("TSTInfo: malformed messageImprint")
	}
	oid, _, ok := readAlgorithm(alg)
	if !ok || !validOID(oid) {
		return formatf("TSTInfo: malformed messageImprint algorithm")
	}
	switch string(oid) {
	case oidSHA256:
		t.HashAlgorithm = crypto.SHA256
	case oidSHA384:
		t.HashAlgorithm = crypto.SHA384
	case oidSHA512:
		t.HashAlgorithm = crypto.SHA512
	}
	if t.HashAlgorithm != 0 && len(t.HashedMessage) != t.HashAlgorithm.Size() {
		return formatf("TSTInfo: the imprint has %d bytes, not the %d of %v", len(t.HashedMessage), t.HashAlgorithm.Size(), t.HashAlgorithm)
	}
	return nil
}

// readOptional reads the fields after genTime: accuracy, ordering, nonce,
// tsa and extensions, each OPTIONAL, in this order.
func (t *TSTInfo) readOptional(info *cryptobyte.String) error {
	if info.PeekASN1Tag(cbasn1.SEQUENCE) {
		var acc cryptobyte.String
		info.ReadASN1(&acc, cbasn1.SEQUENCE)
		var ok bool
		if t.Accuracy, ok = readAccuracy(acc); !ok {
			return formatf("TSTInfo: malformed accuracy")
		}
	}
	if info.PeekASN1Tag(cbasn1.BOOLEAN) {
		// DEFAULT FALSE: DER leaves it out unless it is true (X.690 §11.5).
		if !info.ReadASN1Boolean(&t.Ordering) || !t.Ordering {
			return formatf("TSTInfo: ordering FALSE written out, which DER omits")
		}
	}
	if info.PeekASN1Tag(cbasn1.INTEGER) {
		t.Nonce = new(big.Int)
		if !info.ReadASN1Integer(t.Nonce) {
			return formatf("TSTInfo: malformed nonce")
		}
	}
	if info.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var tsa, gn cryptobyte.String
		var tag cbasn1.Tag
		info.ReadASN1(&tsa, cbasn1.Tag(0).Constructed().ContextSpecific())
		if !tsa.ReadAnyASN1(&gn, &tag) || !tsa.Empty() {
			return formatf("TSTInfo: malformed tsa name")
		}
		if tag == cbasn1.Tag(4).Constructed().ContextSpecific() {
			var name cryptobyte.String
			if !gn.ReadASN1Element(&name, cbasn1.SEQUENCE) || !gn.Empty() {
				return formatf("TSTInfo: malformed tsa directoryName")
			}
			t.TSAName = name
		}
	}
	if info.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var exts cryptobyte.String
		info.ReadASN1(&exts, cbasn1.Tag(1).Constructed().ContextSpecific())
		for !exts.Empty() {
			if !exts.SkipASN1(cbasn1.SEQUENCE) {
				return formatf("TSTInfo: malformed extensions")
			}
		}
	}
	if !info.Empty() {
		return formatf("TSTInfo: data after the last field")
	}
	return nil
}

// readAccuracy reads the contents of Accuracy; millis and micros must lie in
// 1..999 (RFC 3161 §2.4.2).
func readAccuracy(acc cryptobyte.String) (time.Duration, bool) {
	var d time.Duration
	for _, f := range []struct {
		tag  cbasn1.Tag
		unit time.Duration
		max  int64
	}{{cbasn1.INTEGER, time.Second, 1 << 32}, {cbasn1.Tag(0).ContextSpecific(), time.Millisecond, 999}, {cbasn1.Tag(1).ContextSpecific(), time.Microsecond, 999}} {
		if !acc.PeekASN1Tag(f.tag) {
			continue
		}
		var n int64
		var v cryptobyte.String
		if !acc.ReadASN1(&v, f.tag) || !readSmallInt(v, &n) || n < 0 || n > f.max || (f.unit != time.Second && n == 0) {
			return 0, false
		}
		d += time.Duration(n) * f.unit
	}
	return d, acc.Empty()
}

// readSmallInt reads the content octets of an INTEGER, checked for DER, that
// fits an int64.
func readSmallInt(v cryptobyte.String, n *int64) bool {
	s := cryptobyte.String(appendTLV(nil, tagInteger, v))
	return s.ReadASN1Integer(n)
}
