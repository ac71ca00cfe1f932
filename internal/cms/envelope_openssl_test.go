package cms

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// These tests run OpenSSL 3, which another provider may well use for its
// S/MIME, against Decrypt and Encrypt: each must read what the other writes.

// needOpenSSL returns the openssl binary, or skips the test without one;
// in CI a missing openssl is a failure, not a skip.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not on PATH, and CI is set: install OpenSSL 3 (the package openssl)")
		}
		t.Skip("openssl is not on PATH; install OpenSSL 3 to check the envelopes with it")
	}
	return p
}

// runOpenSSL runs one openssl command in dir and fails the test if it does
// not exit 0.
func runOpenSSL(t *testing.T, bin, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
}

// writePEMs writes the recipient's certificate and PKCS #8 key as
// cert.pem and key.pem into dir.
func writePEMs(t *testing.T, dir string, r recipient) {
	t.Helper()
	k, err := x509.MarshalPKCS8PrivateKey(r.key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"cert.pem": {Type: "CERTIFICATE", Bytes: r.cert.Raw},
		"key.pem":  {Type: "PRIVATE KEY", Bytes: k},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// opensslContent is a letter with a body of n bytes, CRLF as on the wire.
func opensslContent(n int) []byte {
	head := "From: a@anbieter-a.example\r\nTo: b@anbieter-b.example\r\nSubject: Zustellung\r\n\r\n"
	return append([]byte(head), bytes.Repeat([]byte("Zeile\r\n"), n/7+1)[:n]...)
}

// TestOpenSSLDecryptsEnvelope: openssl cms -decrypt reads what Encrypt
// writes, to a domain certificate with digitalSignature key usage only.
func TestOpenSSLDecryptsEnvelope(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	dir := t.TempDir()
	r := newRecipient(t, newTestCA(t), 4711)
	writePEMs(t, dir, r)
	for name, content := range map[string][]byte{"empty": {}, "small": opensslContent(100), "1MiB": opensslContent(1 << 20)} {
		der, err := Encrypt(rand.Reader, content, r.cert)
		if err != nil {
			t.Fatal(err)
		}
		in, out := filepath.Join(dir, name+".der"), filepath.Join(dir, name+".out")
		if err := os.WriteFile(in, der, 0o600); err != nil {
			t.Fatal(err)
		}
		runOpenSSL(t, bin, dir, "cms", "-decrypt", "-binary", "-inform", "DER", "-in", in,
			"-recip", "cert.pem", "-inkey", "key.pem", "-out", out)
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s: openssl decrypted %d bytes (%v), want the %d of the content", name, len(got), err, len(content))
		}
	}
}

// TestDecryptReadsOpenSSL: Decrypt reads what openssl cms -encrypt writes for
// an EC certificate (AuthEnvelopedData with ECDH for AES-GCM): with its
// defaults, whose KDF is SHA-1's, and with the other KDFs and key sizes.
func TestDecryptReadsOpenSSL(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	dir := t.TempDir()
	r := newRecipient(t, newTestCA(t), 4712)
	writePEMs(t, dir, r)
	content := opensslContent(1 << 20)
	if err := os.WriteFile(filepath.Join(dir, "msg"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, cipher, kdf string }{
		{"default", "-aes-256-gcm", ""},
		{"sha256", "-aes-256-gcm", "sha256"}, // what Encrypt writes
		{"sha224", "-aes-256-gcm", "sha224"},
		{"sha384-aes128", "-aes-128-gcm", "sha384"},
		{"sha512-aes192", "-aes-192-gcm", "sha512"},
	} {
		args := []string{"cms", "-encrypt", "-binary", c.cipher, "-in", "msg", "-outform", "DER",
			"-out", c.name + ".der", "-recip", "cert.pem"}
		if c.kdf != "" {
			args = append(args, "-keyopt", "ecdh_kdf_md:"+c.kdf)
		}
		runOpenSSL(t, bin, dir, args...)
		der, err := os.ReadFile(filepath.Join(dir, c.name+".der"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decrypt(der, r.cert, r.key)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s: Decrypt gave %d bytes, %v", c.name, len(got), err)
		}
	}
}
