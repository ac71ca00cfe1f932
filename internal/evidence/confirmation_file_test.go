package evidence

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// The evidence file in a confirmation message (evidence.p7m) lies inside
// the signed part, so any change to it fails the message's signature first
// (TestConfirmationTamper). To reach CheckEvidenceFile, these tests seal
// the changed signed part again with the test seal: what a composer that
// attached the wrong file would send.

// resealed returns raw with its signed part changed by edit and signed
// again by p's seal at signTime.
func (p *testPKI) resealed(t testing.TB, raw []byte, edit func(signed []byte) []byte) []byte {
	t.Helper()
	m := partsOf(t, raw)
	signed := edit(bytes.Clone(m.signed))
	if bytes.Equal(signed, m.signed) {
		t.Fatal("the edit changed nothing in the signed part")
	}
	sig, tst, err := seal(context.Background(), signed, p.seal.Raw, p.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	der, err := sig.MarshalDetached(tst)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Replace(raw, m.signed, signed, 1)
	i := bytes.LastIndex(out, appendBase64(nil, m.signature)) // the signature part's, not a copy the edit put in
	return append(out[:i:i], append(appendBase64(nil, der), out[i+len(appendBase64(nil, m.signature)):]...)...)
}

// swapFile returns signed with the evidence file old replaced by file: the
// part's body is exactly appendBase64 of the file.
func swapFile(signed, old, file []byte) []byte {
	return bytes.Replace(signed, appendBase64(nil, old), appendBase64(nil, file), 1)
}

// filePart is where the evidence file's part is in signed, the last part
// as ComposeConfirmation writes it: from the CRLF before its delimiter line
// to the CRLF before the close delimiter. ok is false without one.
func filePart(signed []byte) (start, end int, ok bool) {
	i := bytes.Index(signed, []byte("\r\nContent-Type: application/pkcs7-mime"))
	if i < 0 {
		return 0, 0, false
	}
	return bytes.LastIndex(signed[:i], []byte("\r\n--")), bytes.LastIndex(signed, []byte("\r\n--")), true
}

// withoutFile returns signed without its evidence file part, or unchanged
// when it has none.
func withoutFile(signed []byte) []byte {
	start, end, ok := filePart(signed)
	if !ok {
		return signed
	}
	return append(signed[:start:start], signed[end:]...)
}

// fileSignatureAt is where the signature value is in an evidence file.
func fileSignatureAt(t *testing.T, file []byte) int {
	t.Helper()
	f, err := parseSignedFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return indexOf(t, file, f.sd.Signature, "the signature value")
}

// fileByteAt is where in raw the base64 of byte k of the evidence file
// file is: a letter of its group of four, counting the line breaks
// appendBase64 writes.
func fileByteAt(t *testing.T, raw, file []byte, k int) int {
	t.Helper()
	i := 4*(k/3) + 1
	return indexOf(t, raw, appendBase64(nil, file), "the evidence file's base64") + i + 2*(i/maxLine)
}

// TestConfirmationEvidenceFile: a message sealed over a wrong evidence
// file, or none, fails evidence-file or mime, and the error names the
// evidence file's own check that failed.
func TestConfirmationEvidenceFile(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	c, raw := p.confirmation(t, ContentHandover)
	swap := func(file []byte) func([]byte) []byte {
		return func(s []byte) []byte { return swapFile(s, c.File, file) }
	}
	replace := func(old, new string) func([]byte) []byte {
		return func(s []byte) []byte { return bytes.Replace(s, []byte(old), []byte(new), 1) }
	}
	// A second seal of the same provider chain: its file verifies alone, but
	// it did not sign the message.
	key := mustKey(t)
	cert := issue(t, certSpec{cn: "Siegel Test Second Seal", notBefore: p.seal.NotBefore, notAfter: p.seal.NotAfter},
		key.Public(), p.inter, p.interKey)
	second, err := NewKeySigner(key, cert, []*x509.Certificate{p.inter})
	if err != nil {
		t.Fatal(err)
	}
	secondFile, err := SignEvidence(context.Background(), sample(ContentHandover, cert.Raw), second, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	other := newPKI(t, "Other", p.seal.NotBefore, p.seal.NotAfter)
	b64 := appendBase64(nil, c.File)
	doc := indexOf(t, c.File, []byte("<MessageIdentifier>"), "the file's message id") + 20
	for _, tc := range []struct {
		name        string
		edit        func([]byte) []byte
		check, want string
	}{
		{"a byte of the file's signature value", swap(flipAt(c.File, fileSignatureAt(t, c.File)+12)), CheckEvidenceFile, "fails check signature"},
		{"a byte of the file's document", swap(flipAt(c.File, doc)), CheckEvidenceFile, "fails check message-digest"},
		{"the file of another evidence", swap(p.fileOf(t, sample(ContentConsignment, p.seal.Raw))), CheckEvidenceFile, "another document"},
		{"the file of another seal", swap(secondFile), CheckEvidenceFile, "signed by"},
		{"the file of another authority's provider", swap(other.fileOf(t, sample(ContentHandover, other.seal.Raw))), CheckEvidenceFile, "fails check timestamp-chain"},
		{"the message's own signature as the file", swap(partsOf(t, raw).signature), CheckEvidenceFile, "fails check cms"},
		{"a file that is not DER", swap([]byte("evidence")), CheckEvidenceFile, "fails check cms"},
		{"the file in 8bit", replace("filename=evidence.p7m\r\nContent-Transfer-Encoding: base64",
			"filename=evidence.p7m\r\nContent-Transfer-Encoding: 8bit"), CheckEvidenceFile, "fails check cms"},
		{"no file", withoutFile, CheckMIME, "not the text, the evidence, the PDF and the evidence file"},
		{"the file twice", func(s []byte) []byte {
			start, end, _ := filePart(s)
			return append(s[:end:end], append(bytes.Clone(s[start:end]), s[end:]...)...)
		}, CheckMIME, "more than 4 parts"},
		{"an enveloped file", replace("smime-type=signed-data", "smime-type=enveloped-data"), CheckMIME, "signed part 4 is application/pkcs7-mime"},
		{"a character that is not base64", replace(string(b64[:8]), "!"+string(b64[1:8])), CheckMIME, "signed part 4 (application/pkcs7-mime)"},
	} {
		_, err := VerifyConfirmation(p.resealed(t, raw, tc.edit), p.roots, VerifyOptions{})
		var ve *VerifyError
		switch {
		case err == nil:
			t.Errorf("%s: verified", tc.name)
		case !errors.As(err, &ve) || ve.Check != tc.check || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %v, want check %q saying %q", tc.name, err, tc.check, tc.want)
		}
	}
}
