package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needOpenSSL skips without openssl, or fails when CI is set (DESIGN
// "Tests": missing tools skip locally and fail in CI).
func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("openssl is not on PATH, and CI is set: install OpenSSL 3 (%v)", err)
		}
		t.Skipf("openssl is not on PATH; install OpenSSL 3 to check evidence files with it (%v)", err)
	}
	return path
}

// opensslFiles signs evidence with certificates valid from sealFrom to
// sealTo, signed and time-stamped at at, and writes ev.p7m and root.pem
// into a new folder.
func opensslFiles(t *testing.T, sealFrom, sealTo, at time.Time) (dir string, doc []byte) {
	t.Helper()
	p := newPKI(t, "Siegel Test", sealFrom, sealTo)
	e := sample(ContentHandover, p.seal.Raw)
	e.EventTime = at
	e.SubmissionTime, e.ConsignmentTime = at.Add(-time.Hour), at.Add(-time.Minute)
	doc = mustMarshal(t, e)
	der, err := Sign(context.Background(), doc, p.signer, p.tsaAt(at), at)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	writeFile(t, filepath.Join(dir, "ev.p7m"), der)
	writeFile(t, filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}))
	return dir, doc
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, name string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// TestOpenSSL runs the commands of testdata/README.md as written there.
func TestOpenSSL(t *testing.T) {
	t.Parallel()
	openssl := needOpenSSL(t)
	now := time.Now().UTC().Truncate(time.Second)
	dir, doc := opensslFiles(t, now.AddDate(0, -1, 0), now.AddDate(1, 0, 0), now)

	// openssl cms -verify -inform DER -in ev.p7m -CAfile root.pem -purpose any
	out, stderr, err := run(t, dir, openssl, "cms", "-verify", "-inform", "DER", "-in", "ev.p7m", "-CAfile", "root.pem", "-purpose", "any")
	if err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, stderr)
	}
	if !bytes.Equal(out, doc) {
		t.Fatalf("openssl printed\n%s\nwant\n%s", out, doc)
	}
	if !bytes.Contains(stderr, []byte("Verification successful")) {
		t.Errorf("stderr: %s", stderr)
	}

	// openssl cms -cmsout -print -inform DER -in ev.p7m
	out, stderr, err = run(t, dir, openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", "ev.p7m")
	if err != nil {
		t.Fatalf("openssl cms -cmsout -print: %v\n%s", err, stderr)
	}
	for _, want := range []string{"contentType", "signingTime", "messageDigest",
		"id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)", "id-smime-aa-timeStampToken (1.2.840.113549.1.9.16.2.14)"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("openssl cms -cmsout -print shows no %s", want)
		}
	}

	// A changed byte in the XML: openssl refuses the file.
	der, err := os.ReadFile(filepath.Join(dir, "ev.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(der, []byte("<MessageIdentifier>"))
	writeFile(t, filepath.Join(dir, "bad.p7m"), flipAt(der, i+20))
	if _, stderr, err := run(t, dir, openssl, "cms", "-verify", "-inform", "DER", "-in", "bad.p7m", "-CAfile", "root.pem", "-purpose", "any"); err == nil {
		t.Fatalf("openssl accepted a changed file: %s", stderr)
	}
}

// TestOpenSSLScript runs testdata/openssl-verify.sh, also on evidence whose
// seal certificate expired long ago (with the signing time as -attime).
func TestOpenSSLScript(t *testing.T) {
	t.Parallel()
	needOpenSSL(t)
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skipf("the script needs awk: %v", err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "openssl-verify.sh"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	t.Run("now", func(t *testing.T) {
		dir, doc := opensslFiles(t, now.AddDate(0, -1, 0), now.AddDate(1, 0, 0), now)
		out, stderr, err := run(t, dir, "sh", script, "ev.p7m", "root.pem")
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, stderr)
		}
		checkScriptOutput(t, dir, out, doc, now)
		// The script fails on a file whose time-stamp was changed.
		der, _ := os.ReadFile(filepath.Join(dir, "ev.p7m"))
		_, token, _ := fileParts(t, der)
		writeFile(t, filepath.Join(dir, "ev.p7m"), flipAt(der, bytes.Index(der, token)+len(token)-3))
		if out, _, err := run(t, dir, "sh", script, "ev.p7m", "root.pem"); err == nil {
			t.Fatalf("the script accepted a changed time-stamp:\n%s", out)
		}
	})
	t.Run("expired seal", func(t *testing.T) {
		dir, doc := opensslFiles(t, signTime.Add(-time.Hour), signTime.Add(time.Hour), signTime)
		if _, _, err := run(t, dir, "sh", script, "ev.p7m", "root.pem"); err == nil {
			t.Fatal("openssl accepted an expired seal at the current time")
		}
		out, stderr, err := run(t, dir, "sh", script, "ev.p7m", "root.pem", strconv.FormatInt(signTime.Unix(), 10))
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, stderr)
		}
		checkScriptOutput(t, dir, out, doc, signTime)
	})
}

func checkScriptOutput(t *testing.T, dir string, out, doc []byte, at time.Time) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, "evidence.xml"))
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("evidence.xml differs from the signed document (%v)", err)
	}
	if !bytes.Contains(out, []byte("Verification: OK")) {
		t.Errorf("openssl ts -verify did not say OK:\n%s", out)
	}
	if want := at.Format("Jan _2 15:04:05 2006 GMT"); !bytes.Contains(out, []byte(want)) {
		t.Errorf("the script shows no time-stamp %q:\n%s", want, out)
	}
}

// TestReadmeQuotesScript keeps testdata/README.md's commands the ones the
// script runs, so docs/evidence.md can quote the README without drifting.
func TestReadmeQuotesScript(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("testdata", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "openssl-verify.sh"))
	if err != nil {
		t.Fatal(err)
	}
	s := bufio.NewScanner(bytes.NewReader(script))
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "SIG=") && !strings.HasPrefix(line, "TST=") &&
			!strings.HasPrefix(line, "openssl asn1parse") && !strings.HasPrefix(line, "openssl ts ") {
			continue
		}
		if !bytes.Contains(readme, []byte(line)) {
			t.Errorf("README.md does not quote the script line\n%s", line)
		}
	}
}
