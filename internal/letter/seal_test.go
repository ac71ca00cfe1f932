package letter

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

// tokenSeal is a Sealer as a PKCS#11 token gives it: Sign works, Public must
// not be needed.
type tokenSeal struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	err  error // returned by Sign when set
}

func (s *tokenSeal) Public() crypto.PublicKey {
	panic("letter called Public on the seal; a token key is used through Sign only")
}

func (s *tokenSeal) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.key.Sign(r, digest, opts)
}

func (s *tokenSeal) Certificate() *x509.Certificate { return s.cert }

// newTestSeal makes a P-256 key with a self-signed certificate. The chain is
// not the letter package's business, so a self-signed one does.
func newTestSeal(t testing.TB) *tokenSeal {
	t.Helper()
	return newSealOn(t, elliptic.P256())
}

func newSealOn(t testing.TB, curve elliptic.Curve) *tokenSeal {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "siegel.example seal (test)", Organization: []string{"Siegel"}},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tokenSeal{key: key, cert: cert}
}

// sealedDraft is sampleDraft as a sender-confirmed letter.
func sealedDraft(seal Sealer) Draft {
	d := sampleDraft()
	d.Options.SenderConfirmed = true
	d.Seal = seal
	return d
}

func TestSealedLetterVerifiesInEveryCopy(t *testing.T) {
	t.Parallel()
	seal := newTestSeal(t)
	d := sealedDraft(seal)
	m := mustBuild(t, d)
	views := []struct {
		name string
		v    View
		addr string
		bcc  []string
	}{
		{"sender", ViewSender, "", d.Bcc},
		{"recipient", ViewRecipient, "", nil},
		{"bcc one", ViewBcc, d.Bcc[0], d.Bcc[:1]},
		{"bcc two", ViewBcc, d.Bcc[1], d.Bcc[1:]},
	}
	for _, v := range views {
		raw := m.Bytes(v.v, v.addr)
		checkWellFormed(t, raw)
		res, err := CheckIntegrity(raw)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !res.Signed || !res.Certificate.Equal(seal.cert) || res.BodyHash != m.BodyHash() ||
			!slices.Equal(res.SignedFields, sealedFields()) {
			t.Errorf("%s: result %+v", v.name, res)
		}
		if err := VerifyIntegrity(raw); err != nil {
			t.Errorf("%s: VerifyIntegrity: %v", v.name, err)
		}
		p, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		checkRoundTrip(t, d, p, v.bcc)
	}
}

func TestSealedLetterFields(t *testing.T) {
	t.Parallel()
	seal := newTestSeal(t)
	m := mustBuild(t, sealedDraft(seal))
	hdr := m.Header(ViewRecipient, "")
	msg, err := mail.ReadMessage(bytes.NewReader(hdr))
	if err != nil {
		t.Fatal(err)
	}
	// Integrity is the value as a reader unfolds it.
	if got := msg.Header.Get(HdrIntegrity); got != m.Integrity() {
		t.Errorf("header says %q, Integrity %q", got, m.Integrity())
	}
	sum := m.BodyHash()
	bh := base64.StdEncoding.EncodeToString(sum[:])
	if want := "v=1; a=sha256/ecdsa-p256; c=simple/simple; h=Date: From: To: Cc: Subject: Message-ID: "; !strings.HasPrefix(m.Integrity(), want) ||
		!strings.Contains(m.Integrity(), "; bh="+bh+"; b= ") {
		t.Errorf("integrity %q", m.Integrity())
	}
	tags, err := parseTagList(m.Integrity())
	if err != nil || tags["h"] != strings.Join(sealedFields(), ":") {
		t.Errorf("h=%q, %v", tags["h"], err)
	}
	der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(msg.Header.Get(HdrSignatureCertificate), " ", ""))
	if err != nil || !bytes.Equal(der, seal.cert.Raw) {
		t.Errorf("certificate field does not carry the seal certificate: %v", err)
	}
	// The certificate precedes the integrity field, and every line fits 78.
	s := string(hdr)
	if c, i := strings.Index(s, HdrSignatureCertificate+":"), strings.Index(s, HdrIntegrity+":"); c < 0 || c > i {
		t.Errorf("certificate at %d, integrity at %d", c, i)
	}
	for _, line := range strings.Split(s, "\r\n") {
		if len(line) > maxLine {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	// The signed form is the field as rendered, up to and including "b=".
	fields, err := splitFields(hdr)
	if err != nil {
		t.Fatal(err)
	}
	f := pick(fields, []string{HdrIntegrity})[0][0].raw
	unsigned, err := withoutSignature(f)
	if err != nil || !bytes.HasSuffix(unsigned, []byte("; b=")) || !bytes.HasPrefix(f, unsigned) {
		t.Errorf("signed form %q of %q: %v", unsigned, f, err)
	}
}

// replaceOnce replaces old by new in raw and fails the test unless old occurs.
func replaceOnce(t testing.TB, raw []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("%q not in the letter", old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), 1)
}

// flipIn changes one character of the field named name, offset bytes into its
// value, to another character of the same class, so that the change is not one
// a parser would stumble over first.
func flipIn(t testing.TB, raw []byte, name string, offset int) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte("\r\n"+name+": "))
	if i < 0 {
		t.Fatalf("no %s field", name)
	}
	i += len("\r\n"+name+": ") + offset
	out := bytes.Clone(raw)
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

// resign replaces the integrity field of raw by one signed with seal over the
// names given, as an attacker holding a seal key would.
func resign(t testing.TB, raw []byte, seal Sealer, names []string) []byte {
	t.Helper()
	hdr, body := splitMessage(raw)
	fields, err := splitFields(hdr)
	if err != nil {
		t.Fatal(err)
	}
	old := integrityOf(t, raw)
	bh := simpleBodyHash(body)
	tags := "v=1; a=" + signatureAlgorithm + "; c=simple/simple; h=" + strings.Join(names, ": ") +
		"; bh=" + base64.StdEncoding.EncodeToString(bh[:]) + "; b="
	unsigned := appendField(nil, HdrIntegrity, tags)
	digest := headerHash(pick(fields, names), unsigned[:len(unsigned)-2])
	sig, err := seal.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	field := appendField(nil, HdrIntegrity, tags+" "+foldableBase64(sig, maxLine-1))
	return replaceOnce(t, raw, string(old), string(field))
}

func TestSealedLetterTampered(t *testing.T) {
	t.Parallel()
	seal, other := newTestSeal(t), newTestSeal(t)
	d := sealedDraft(seal)
	d.Cc = nil
	d.Options.PrivateID = ""
	m := mustBuild(t, d)
	raw := m.Bytes(ViewRecipient, "")
	if _, err := CheckIntegrity(raw); err != nil {
		t.Fatal(err)
	}
	withoutSubject := slices.DeleteFunc(sealedFields(), func(n string) bool { return n == "Subject" })
	field := string(integrityOf(t, raw))
	prefix := m.Integrity()[:strings.LastIndex(m.Integrity(), "b=")+2] // the value up to and including "b="
	sig, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(m.Integrity()[len(prefix):], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	sig[10] ^= 1 // inside r of the DER SEQUENCE { r, s }
	flipped := string(appendField(nil, HdrIntegrity, prefix+" "+foldableBase64(sig, maxLine-1)))
	hashOnly := string(appendField(nil, HdrIntegrity, integrityValue(m.BodyHash())))
	emptyB := string(appendField(nil, HdrIntegrity, prefix))
	otherCert := "\r\n" + HdrSignatureCertificate + ": " + foldableBase64(other.cert.Raw, 45) + "\r\n"
	p384 := newSealOn(t, elliptic.P384())
	const notVerify = "does not verify"
	tests := []struct {
		name   string
		change func([]byte) []byte
		want   string
	}{
		{"subject", func(r []byte) []byte { return flipIn(t, r, "Subject", 12) }, notVerify},
		{"from", func(r []byte) []byte { return flipIn(t, r, "From", 14) }, notVerify},
		{"date", func(r []byte) []byte { return replaceOnce(t, r, "Date: Sat, 01 Mar", "Date: Sun, 02 Mar") }, notVerify},
		{"option", func(r []byte) []byte { return replaceOnce(t, r, HdrDispatch+": no", HdrDispatch+": yes") }, notVerify},
		{"content type", func(r []byte) []byte { return replaceOnce(t, r, "boundary=siegel-", "boundary=siegel-x") }, notVerify},
		{"body", func(r []byte) []byte { r = bytes.Clone(r); r[len(r)-5] ^= 1; return r }, "body hashes to"},
		{"signature", func(r []byte) []byte { return replaceOnce(t, r, field, flipped) }, notVerify},
		{"certificate byte", func(r []byte) []byte { return flipIn(t, r, HdrSignatureCertificate, 200) }, HdrSignatureCertificate},
		{"other certificate", func(r []byte) []byte {
			i := bytes.Index(r, []byte("\r\n"+HdrSignatureCertificate+":"))
			j := bytes.Index(r, []byte("\r\n"+HdrIntegrity+":"))
			return slices.Concat(r[:i], []byte(otherCert), r[j+2:])
		}, notVerify},
		{"certificate P-384", func(r []byte) []byte {
			i := bytes.Index(r, []byte("\r\n"+HdrSignatureCertificate+":"))
			j := bytes.Index(r, []byte("\r\n"+HdrIntegrity+":"))
			return slices.Concat(r[:i], []byte("\r\n"+HdrSignatureCertificate+": "+foldableBase64(p384.cert.Raw, 45)+"\r\n"), r[j+2:])
		}, "ECDSA P-384, not ECDSA P-256"},
		{"certificate missing", func(r []byte) []byte { return replaceOnce(t, r, HdrSignatureCertificate+":", "X-Other:") }, "signed field " + HdrSignatureCertificate + " is missing"},
		{"duplicate from", func(r []byte) []byte { return append([]byte("From: Mallory <m@evil.example>\r\n"), r...) }, "From occurs 2 times"},
		{"duplicate from, other case", func(r []byte) []byte {
			return replaceOnce(t, r, "\r\nTo:", "\r\nFROM: m@evil.example\r\nTo:")
		}, "From occurs 2 times"},
		{"added cc", func(r []byte) []byte { return replaceOnce(t, r, "\r\nSubject:", "\r\nCc: m@evil.example\r\nSubject:") }, notVerify},
		{"added private id", func(r []byte) []byte {
			return replaceOnce(t, r, "\r\nContent-Type:", "\r\n"+HdrPrivateID+": Az. 666\r\nContent-Type:")
		}, notVerify},
		{"subject not signed, re-signed", func(r []byte) []byte { return resign(t, r, seal, withoutSubject) }, "h= does not name Subject"},
		{"integrity named in h=, re-signed", func(r []byte) []byte {
			return resign(t, r, seal, append(sealedFields(), HdrIntegrity))
		}, "h= names " + HdrIntegrity + " itself"},
		{"name twice in h=, re-signed", func(r []byte) []byte { return resign(t, r, seal, append(sealedFields(), "from")) }, "h= names from twice"},
		{"signature removed", func(r []byte) []byte { return replaceOnce(t, r, field, hashOnly) },
			HdrAuthoritative + " is yes, but " + HdrIntegrity + " has no signature"},
		{"DNS key", func(r []byte) []byte { return replaceOnce(t, r, "c=simple/simple;", "c=simple/simple; q=dns/txt;") }, "never from DNS"},
		{"other algorithm", func(r []byte) []byte { return replaceOnce(t, r, "a=sha256/ecdsa-p256", "a=sha256/rsa") }, "a=sha256/rsa with a signature"},
		{"integrity twice", func(r []byte) []byte {
			return replaceOnce(t, r, "\r\nContent-Type:", "\r\n"+HdrIntegrity+": v=1; a=sha256; bh=x\r\nContent-Type:")
		}, HdrIntegrity + " occurs 2 times"},
		{"empty b=", func(r []byte) []byte { return replaceOnce(t, r, field, emptyB) }, "b= is empty"},
	}
	for _, tt := range tests {
		bad := tt.change(raw)
		if bytes.Equal(bad, raw) {
			t.Fatalf("%s: no change", tt.name)
		}
		res, err := CheckIntegrity(bad)
		if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tt.want) || res != nil {
			t.Errorf("%s: got %v, %v; want an error saying %q", tt.name, res, err, tt.want)
		}
		if VerifyIntegrity(bad) == nil {
			t.Errorf("%s: VerifyIntegrity accepts it", tt.name)
		}
	}
	// What the signature leaves out by design: the chosen recipients differ per copy.
	ok := replaceOnce(t, raw, HdrChosenRecipient+": to=", HdrChosenRecipient+": to=m@evil.example, ")
	if res, err := CheckIntegrity(ok); err != nil || !res.Signed {
		t.Errorf("chosen-recipient is not signed, yet changing it fails: %v", err)
	}
	// A signature by a key other than the certificate's does not verify.
	if res, err := CheckIntegrity(resign(t, raw, other, sealedFields())); err == nil {
		t.Errorf("a signature by another key verifies: %+v", res)
	}
	// Another key with its own certificate does: whether that certificate is
	// a provider's seal is for the caller to decide, with its trust list.
	i := bytes.Index(raw, []byte("\r\n"+HdrSignatureCertificate+":"))
	j := bytes.Index(raw, []byte("\r\n"+HdrIntegrity+":"))
	forged := resign(t, slices.Concat(raw[:i], []byte(otherCert), raw[j+2:]), other, sealedFields())
	if res, err := CheckIntegrity(forged); err != nil || !res.Certificate.Equal(other.cert) {
		t.Errorf("another certificate and its key: %+v, %v", res, err)
	}
}

// integrityOf returns the X-de-mail-integrity field of raw, as it stands.
func integrityOf(t testing.TB, raw []byte) []byte {
	t.Helper()
	hdr, _ := splitMessage(raw)
	fields, err := splitFields(hdr)
	if err != nil {
		t.Fatal(err)
	}
	return pick(fields, []string{HdrIntegrity})[0][0].raw
}

func TestAuthoritativeNeedsSignature(t *testing.T) {
	t.Parallel()
	raw := mustBuild(t, sampleDraft()).Bytes(ViewRecipient, "")
	res, err := CheckIntegrity(raw)
	if err != nil || res.Signed || res.Certificate != nil || res.SignedFields != nil {
		t.Fatalf("hash-only letter: %+v, %v", res, err)
	}
	bad := replaceOnce(t, raw, HdrAuthoritative+": no", HdrAuthoritative+": yes")
	if _, err := CheckIntegrity(bad); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "no signature") {
		t.Errorf("authoritative yes without a signature: %v", err)
	}
}

func TestBuildSealRefuses(t *testing.T) {
	t.Parallel()
	good := newTestSeal(t)
	p384 := newSealOn(t, elliptic.P384())
	noCert := &tokenSeal{key: good.key}
	mismatched := &tokenSeal{key: newTestSeal(t).key, cert: good.cert}
	failing := &tokenSeal{key: good.key, cert: good.cert, err: errors.New("token removed")}
	tests := []struct {
		name string
		seal Sealer
		want string
	}{
		{"no seal", nil, "needs the provider's seal"},
		{"no certificate", noCert, "has no certificate"},
		{"P-384", p384, "ECDSA P-384, not ECDSA P-256"},
		{"key not the certificate's", mismatched, "does not verify with the seal certificate"},
		{"sign fails", failing, "token removed"},
	}
	for _, tt := range tests {
		d := sealedDraft(tt.seal)
		m, err := Build(d)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, %v; want %q", tt.name, m, err, tt.want)
		}
	}
	// A seal is used for sender-confirmed letters only: other letters are the
	// same, byte for byte, with or without one.
	d := sampleDraft()
	plain := mustBuild(t, d).Bytes(ViewSender, "")
	d.Seal = failing
	if withSeal := mustBuild(t, d).Bytes(ViewSender, ""); !bytes.Equal(plain, withSeal) {
		t.Error("a seal changes a letter that is not sender-confirmed")
	}
}

// TestUnsealedBytesPinned pins letters that are not sender-confirmed to the
// bytes they had before sealing existed.
func TestUnsealedBytesPinned(t *testing.T) {
	t.Parallel()
	d := sampleDraft()
	m := mustBuild(t, d)
	d.Attachments, d.Cc, d.FromName, d.Options = nil, nil, "", Options{}
	small := mustBuild(t, d)
	for _, tt := range []struct {
		raw  []byte
		want string
	}{
		{m.Bytes(ViewSender, ""), "de681180f27e75b730c4f3bf52add152c1c44c7df2c6e8de457792bfc8d04d95"},
		{m.Bytes(ViewRecipient, ""), "7f433ff3044d722378f2635040dd39635df92effab20210281d189a6e66a1905"},
		{small.Bytes(ViewBcc, d.Bcc[0]), "d85192f6e99886dd941a851f894ac7eec0d52c84fbf90b42d6798e2e9a52c796"},
	} {
		if sum := sha256.Sum256(tt.raw); hex.EncodeToString(sum[:]) != tt.want {
			t.Errorf("letter bytes changed:\n%s", tt.raw)
		}
	}
}

func TestWithoutSignature(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"X: v=1; b=abc\r\n", "X: v=1; b="},
		{"X: b = abc ; bh=x\r\n", "X: b =; bh=x"},
		{"X: bh=x;\r\n b=\r\n abc\r\n def\r\n", "X: bh=x;\r\n b="},
		{"X: bh=b=x; b=y", "X: bh=b=x; b="},
		{"X: v=1; bh=x", ""},
		{"no colon b=x", ""},
	}
	for _, tt := range tests {
		got, err := withoutSignature([]byte(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("%q: got %q", tt.in, got)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitFields(t *testing.T) {
	t.Parallel()
	fields, err := splitFields([]byte("A: 1\r\nB : 2\r\n 3\n\tx\r\nc:\r\n\r\nBody: no\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fields {
		got = append(got, f.name+"="+string(f.raw))
	}
	want := []string{"A=A: 1\r\n", "B=B : 2\r\n 3\n\tx\r\n", "c=c:\r\n"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{" A: 1\r\n", "A 1\r\n", ": 1\r\n"} {
		if _, err := splitFields([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
