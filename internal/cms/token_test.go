package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Token")
	d := digestOf("Eingangsbestätigung")
	in := TSTInfo{
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434, 1, 1}, HashAlgorithm: crypto.SHA256, HashedMessage: d,
		SerialNumber: new(big.Int).Lsh(big.NewInt(1), 127), GenTime: t0.Add(700 * time.Millisecond),
		Accuracy: time.Second + 5*time.Millisecond + 7*time.Microsecond, Ordering: true,
		Nonce: big.NewInt(-42), TSAName: p.tsa.RawSubject,
	}
	info, err := MarshalTSTInfo(&in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(info, []byte("20270302090000.7Z")) {
		t.Errorf("genTime is not DER GeneralizedTime with the fraction trimmed: %q", info)
	}
	token := sign(t, p.tsaSigner(t), OIDTSTInfo(), info)
	tok, err := VerifyToken(token, d, p.roots)
	if err != nil {
		t.Fatal(err)
	}
	out := tok.Info
	if !out.Policy.Equal(in.Policy) || out.HashAlgorithm != in.HashAlgorithm || !bytes.Equal(out.HashedMessage, d) ||
		out.SerialNumber.Cmp(in.SerialNumber) != 0 || !out.GenTime.Equal(in.GenTime) || out.Accuracy != in.Accuracy ||
		!out.Ordering || out.Nonce.Cmp(in.Nonce) != 0 || !bytes.Equal(out.TSAName, in.TSAName) || !tok.TSA.Equal(p.tsa) {
		t.Errorf("read back %+v", out)
	}
	// github.com/digitorus/timestamp (which verifies the signature with
	// pkcs7) reads the same facts.
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if !ts.Time.Equal(in.GenTime) || ts.SerialNumber.Cmp(in.SerialNumber) != 0 || !bytes.Equal(ts.HashedMessage, d) ||
		ts.Accuracy != in.Accuracy || !ts.Ordering || ts.Nonce.Cmp(in.Nonce) != 0 || !ts.Policy.Equal(in.Policy) {
		t.Errorf("timestamp.Parse sees %+v", ts)
	}
	for _, bad := range []TSTInfo{
		{Policy: in.Policy, HashAlgorithm: crypto.SHA1, HashedMessage: make([]byte, 20), SerialNumber: big.NewInt(1)},
		{Policy: in.Policy, HashAlgorithm: crypto.SHA256, HashedMessage: d[:31], SerialNumber: big.NewInt(1)},
		{Policy: in.Policy, HashAlgorithm: crypto.SHA256, HashedMessage: d, SerialNumber: big.NewInt(0)},
		{Policy: in.Policy, HashAlgorithm: crypto.SHA256, HashedMessage: d, SerialNumber: big.NewInt(1), Accuracy: time.Nanosecond},
		{Policy: in.Policy, HashAlgorithm: crypto.SHA256, HashedMessage: d, SerialNumber: big.NewInt(1), GenTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{HashAlgorithm: crypto.SHA256, HashedMessage: d, SerialNumber: big.NewInt(1)},
	} {
		if _, err := MarshalTSTInfo(&bad); err == nil {
			t.Errorf("MarshalTSTInfo accepted %+v", bad)
		}
	}
}

// TestTokenFromDigitorus: tokens of another implementation verify, with the
// TSA's chain in the token, RSA and SHA-512 among them.
func TestTokenFromDigitorus(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Digitorus")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaTSA := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "RSA TSA"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{ekuExtension(t, true, oidTimeStampingEKU)}}, p.inter, &rsaKey.PublicKey, p.interKey)
	d := digestOf("x")
	for _, c := range []struct {
		name string
		cert *x509.Certificate
		key  crypto.Signer
		hash crypto.Hash
	}{
		{"ECDSA", p.tsa, p.tk, crypto.SHA256},
		{"RSA, SHA-512", rsaTSA, rsaKey, crypto.SHA512},
	} {
		ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: d, Time: t0, Accuracy: 10 * time.Millisecond,
			Nonce: big.NewInt(7), Policy: asn1.ObjectIdentifier{1, 2, 3}, AddTSACertificate: true, Certificates: []*x509.Certificate{p.inter}}
		resp, err := ts.CreateResponseWithOpts(c.cert, c.key, c.hash)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := VerifyToken(tokenOfResponse(t, resp), d, p.roots)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !tok.Info.GenTime.Equal(t0) || tok.Info.Accuracy != 10*time.Millisecond || tok.Info.Nonce.Int64() != 7 ||
			!bytes.Equal(tok.Info.TSAName, c.cert.RawSubject) || tok.SignedData.DigestAlgorithm != c.hash {
			t.Errorf("%s: read %+v", c.name, tok.Info)
		}
	}
}

// tokenOfResponse takes the TimeStampToken out of a TimeStampResp
// (RFC 3161 §2.4.2) without verifying it.
func tokenOfResponse(t testing.TB, resp []byte) []byte {
	t.Helper()
	s := cryptobyte.String(resp)
	var r, tok cryptobyte.String
	if !s.ReadASN1(&r, cbasn1.SEQUENCE) || !r.SkipASN1(cbasn1.SEQUENCE) || !r.ReadASN1Element(&tok, cbasn1.SEQUENCE) {
		t.Fatal("no token in the response")
	}
	return tok
}

// TestTokenTamper: each check of VerifyToken, each failing alone.
func TestTokenTamper(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Tamper")
	other := newPKI(t, "Other")
	d := digestOf("Abholbestätigung")
	token := p.token(t, d)
	info := tstInfo(t, d)
	tsaChain := []*x509.Certificate{p.tsa, p.inter}
	byTSA := func(include []*x509.Certificate, ct asn1.ObjectIdentifier, content []byte, attrs ...Attribute) []byte {
		return sign(t, mustSigner(t, p.tk, p.tsa, include, attrs...), ct, content)
	}
	ess := SigningCertificateV2(p.tsa)
	sha384, err := MarshalTSTInfo(&TSTInfo{Policy: asn1.ObjectIdentifier{1, 2}, HashAlgorithm: crypto.SHA384,
		HashedMessage: make([]byte, 48), SerialNumber: big.NewInt(1), GenTime: t0})
	if err != nil {
		t.Fatal(err)
	}
	loose := p.tsaCert(t, "Loose TSA", false)
	for _, c := range []struct {
		name  string
		token []byte
		want  error
	}{
		{"garbage", []byte("token"), ErrFormat},
		{"truncated", token[:len(token)-10], ErrFormat},
		{"the genTime", flip(token, at(t, token, []byte("20270302090000Z"))+9), ErrMessageDigest},
		{"the signature", flip(token, len(token)-3), ErrSignature},
		{"from another authority's TSA", other.token(t, d), ErrChain},
		{"by a certificate that is no TSA's", sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf, p.inter},
			SigningCertificateV2(p.leaf)), OIDTSTInfo(), info), ErrSignerRole},
		{"by a TSA whose timeStamping is not critical", sign(t, mustSigner(t, p.tk, loose, []*x509.Certificate{loose, p.inter},
			SigningCertificateV2(loose)), OIDTSTInfo(), info), ErrSignerRole},
		{"signing-certificate names another certificate", byTSA(tsaChain, OIDTSTInfo(), info, SigningCertificateV2(p.leaf)), ErrSigningCertificate},
		{"no signing-certificate attribute", byTSA(tsaChain, OIDTSTInfo(), info), ErrFormat},
		{"not a TSTInfo", byTSA(tsaChain, OIDData(), info, ess), ErrFormat},
		{"no TSA certificate", byTSA(nil, OIDTSTInfo(), info, ess), ErrNoSigner},
		{"an unsigned attribute", sign(t, p.tsaSigner(t), OIDTSTInfo(), info, Attribute{asn1.ObjectIdentifier{1, 2, 3}, []byte{5, 0}}), ErrFormat},
		{"not a TSTInfo inside", byTSA(tsaChain, OIDTSTInfo(), []byte("x"), ess), ErrFormat},
		{"a SHA-384 imprint", byTSA(tsaChain, OIDTSTInfo(), sha384, ess), ErrImprint},
		{"another digest", p.token(t, digestOf("something else")), ErrImprint},
	} {
		_, err := VerifyToken(c.token, d, p.roots)
		wantErr(t, c.name, err, c.want)
	}
	// The chain is checked at genTime: a TSA certificate that expired since
	// still dates what it stamped, and one not yet valid then does not.
	late := TSTInfo{Policy: asn1.ObjectIdentifier{1, 2}, HashAlgorithm: crypto.SHA256, HashedMessage: d,
		SerialNumber: big.NewInt(1), GenTime: p.tsa.NotAfter.Add(time.Hour)}
	lateInfo, err := MarshalTSTInfo(&late)
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyToken(byTSA(tsaChain, OIDTSTInfo(), lateInfo, ess), d, p.roots)
	wantErr(t, "genTime after the TSA certificate", err, ErrChain)
	if _, err := VerifyToken(token, d[:31], p.roots); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("a digest of 31 bytes: %v", err)
	}
	if _, err := VerifyToken(token, d, nil); err == nil {
		t.Error("verified without roots")
	}
	tok, err := ParseToken(token)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.VerifyTSA(p.roots); err == nil {
		t.Error("VerifyTSA before Verify")
	}
}

// TestParseTSTInfoRefuses: what DER or RFC 3161 §2.4.2 rule out.
func TestParseTSTInfoRefuses(t *testing.T) {
	t.Parallel()
	d := digestOf("x")
	good := tstInfo(t, d)
	var info TSTInfo
	if err := parseTSTInfo(good, &info); err != nil {
		t.Fatal(err)
	}
	seq := func(fields ...string) []byte { return appendTLV(nil, tagSequence, []byte(strings.Join(fields, ""))) }
	const (
		policy  = "\x06\x03\x2a\x03\x04"
		serial  = "\x02\x01\x05"
		genTime = "\x18\x0f20270302090000Z"
	)
	imprint := string(appendTLV(nil, tagSequence, append([]byte(derAlgSHA256), appendTLV(nil, tagOctetString, d)...)))
	gt := func(s string) string { return string(appendTLV(nil, tagGenTime, []byte(s))) }
	if err := parseTSTInfo(seq(derVersion1, policy, imprint, serial, genTime), &info); err != nil {
		t.Fatalf("the minimal TSTInfo: %v", err)
	}
	// The forms readOptional accepts besides: another GeneralName for the
	// TSA, and extensions, which are not interpreted.
	other := string(appendTLV(nil, tagContext0, appendTLV(nil, 0x86, []byte("https://tsa.example"))))
	ext := string(appendTLV(nil, tagContext1, []byte("\x30\x06\x06\x01\x2a\x04\x01\x00")))
	if err := parseTSTInfo(seq(derVersion1, policy, imprint, serial, genTime, other, ext), &info); err != nil || info.TSAName != nil {
		t.Errorf("a URI as TSA name and an extension: %v, name %x", err, info.TSAName)
	}
	for _, c := range []struct {
		name string
		der  []byte
	}{
		{"version 2", seq("\x02\x01\x02", policy, imprint, serial, genTime)},
		{"serial number 0", seq(derVersion1, policy, imprint, "\x02\x01\x00", genTime)},
		{"a negative serial number", seq(derVersion1, policy, imprint, "\x02\x01\xff", genTime)},
		{"genTime with a trailing zero", seq(derVersion1, policy, imprint, serial, gt("20270302090000.50Z"))},
		{"genTime with a bare dot", seq(derVersion1, policy, imprint, serial, gt("20270302090000.Z"))},
		{"genTime without Z", seq(derVersion1, policy, imprint, serial, gt("20270302090000"))},
		{"genTime in a local zone", seq(derVersion1, policy, imprint, serial, gt("20270302100000+0100"))},
		{"genTime without seconds", seq(derVersion1, policy, imprint, serial, gt("202703020900Z"))},
		{"genTime on 30 February", seq(derVersion1, policy, imprint, serial, gt("20270230090000Z"))},
		{"genTime as UTCTime", seq(derVersion1, policy, imprint, serial, "\x17\x0d270302090000Z")},
		{"ordering FALSE written out", seq(derVersion1, policy, imprint, serial, genTime, "\x01\x01\x00")},
		{"accuracy of 0 milliseconds", seq(derVersion1, policy, imprint, serial, genTime, "\x30\x03\x80\x01\x00")},
		{"accuracy of 1000 microseconds", seq(derVersion1, policy, imprint, serial, genTime, "\x30\x04\x81\x02\x03\xe8")},
		{"an imprint of the wrong length", seq(derVersion1, policy, string(appendTLV(nil, tagSequence,
			append([]byte(derAlgSHA256), appendTLV(nil, tagOctetString, d[:20])...))), serial, genTime)},
		{"data after the last field", seq(derVersion1, policy, imprint, serial, genTime, "\x05\x00")},
		{"trailing data", append(bytes.Clone(good), 0)},
	} {
		wantErr(t, c.name, parseTSTInfo(c.der, &info), ErrFormat)
	}
}

func TestTimes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at                   time.Time
		utc, generalized, gf string
	}{
		{t0, "270302090000Z", "20270302090000Z", "20270302090000Z"},
		{time.Date(1999, 12, 31, 23, 59, 59, 123456789, time.UTC), "991231235959Z", "19991231235959Z", "19991231235959.123456789Z"},
		{time.Date(2049, 2, 28, 0, 0, 0, 100000, time.UTC), "490228000000Z", "20490228000000Z", "20490228000000.0001Z"},
	} {
		if got := string(appendTime(nil, c.at, false, false)); got != c.utc {
			t.Errorf("UTCTime %v: %s", c.at, got)
		}
		if got := string(appendTime(nil, c.at, true, false)); got != c.generalized {
			t.Errorf("GeneralizedTime %v: %s", c.at, got)
		}
		if got := string(appendTime(nil, c.at, true, true)); got != c.gf {
			t.Errorf("GeneralizedTime with fraction %v: %s", c.at, got)
		}
		var u, g time.Time
		if !readUTCTime([]byte(c.utc), &u) || !u.Equal(c.at.Truncate(time.Second)) ||
			!readGeneralizedTime([]byte(c.gf), true, &g) || !g.Equal(c.at) {
			t.Errorf("%v reads back as %v and %v", c.at, u, g)
		}
	}
	var tt time.Time
	for _, bad := range []string{"270302240000Z", "270302236000Z", "270302235960Z", "270229090000Z", "2703020900a0Z", "270302090000z", "27030209000Z"} {
		if readUTCTime([]byte(bad), &tt) {
			t.Errorf("read UTCTime %q", bad)
		}
	}
	if readGeneralizedTime([]byte("20270302090000.5Z"), false, &tt) {
		t.Error("read a fraction where none may be")
	}
}

func TestExclusiveEKU(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "EKU")
	for _, c := range []struct {
		cert *x509.Certificate
		want bool
	}{
		{p.tsa, true},
		{p.tsaCert(t, "loose", false), false},
		{p.leaf, false},
		{issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "two"}, ExtraExtensions: []pkix.Extension{
			ekuExtension(t, true, oidTimeStampingEKU, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4})}}, p.inter, &p.tk.PublicKey, p.interKey), false},
	} {
		if got := ExclusiveEKU(c.cert, oidTimeStampingEKU); got != c.want {
			t.Errorf("%s: %v", c.cert.Subject.CommonName, got)
		}
	}
	if ExclusiveEKU(p.tsa, nil) {
		t.Error("an invalid OID matched")
	}
}
