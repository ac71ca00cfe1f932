package evidence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
)

// FuzzParse: Parse never panics; what it refuses is a *FieldError; what it
// accepts, Marshal writes back, and that reads as the same evidence and
// writes as the same bytes.
func FuzzParse(f *testing.F) {
	for _, ev := range allEvents() {
		f.Add(mustMarshal(f, sample(ev, fakeCert)))
		if golden, err := os.ReadFile(filepath.Join("testdata", ev.Name()+".xml")); err == nil {
			f.Add(golden)
		}
	}
	f.Add([]byte(`<?xml version="1.0"?><Evidence xmlns="` + Namespace + `" version="1"></Evidence>`))
	f.Add([]byte("<a><b>&amp;&lt;&#x41;</b></a>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := Parse(doc)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error %v (%T) is not a *FieldError", err, err)
			}
			return
		}
		out, err := Marshal(e)
		if err != nil {
			t.Fatalf("Parse accepted what Marshal refuses: %v\n%q", err, doc)
		}
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(e)): %v\n%s", err, out)
		}
		if !equalEvidence(e, e2) {
			t.Fatalf("Parse(Marshal(e)) != e:\n%+v\n%+v", e, e2)
		}
		if again, _ := Marshal(e2); !bytes.Equal(again, out) {
			t.Fatalf("Marshal is not deterministic:\n%s\n%s", out, again)
		}
	})
}

// FuzzMarshal: for any field values Marshal accepts, Parse(Marshal(e)) == e.
func FuzzMarshal(f *testing.F) {
	f.Add("ev-1", "Erika Mustermann", "a@b.example", "Az. 1 <&>", "code", "why", int64(0), int64(60), uint8(0), uint8(1))
	f.Add("x", "ü", "x@y", "", "urn:a", "ß", int64(-1), int64(1e9), uint8(5), uint8(2))
	f.Fuzz(func(t *testing.T, id, name, addr, privateID, code, details string, sub, delta int64, ev, level uint8) {
		events := allEvents()
		levels := []account.Level{"", account.Normal, account.High}
		at := time.Unix(1740830400, 0).Add(time.Duration(delta))
		e := &Evidence{
			Event: events[int(ev)%len(events)], ID: id, EventTime: at,
			SubmissionTime: at.Add(-time.Duration(sub)),
			Issuer:         Issuer{Name: name, Domain: "siegel.example", Certificate: []byte(name + "cert")},
			Sender:         Party{Address: addr, Name: name, Kind: account.Person, Level: levels[int(level)%3]},
			Recipient:      Party{Address: "r@siegel.example", Level: levels[int(level/3)%3]},
			MessageID:      id, PrivateID: privateID,
		}
		if code != "" || details != "" {
			e.Reasons = []Reason{{Code: code, Details: details}}
		}
		if e.Event == ContentHandover || e.Event == ContentHandoverFailure {
			e.ConsignmentTime = at
		}
		doc, err := Marshal(e)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Marshal error %v is not a *FieldError", err)
			}
			return
		}
		got, err := Parse(doc)
		if err != nil {
			t.Fatalf("Parse(Marshal(e)): %v\n%s", err, doc)
		}
		if !equalEvidence(got, e) {
			t.Fatalf("Parse(Marshal(e)) != e:\n%+v\n%+v", got, e)
		}
	})
}

// FuzzVerify: Verify never panics, and every refusal is a *VerifyError
// naming one of the checks.
func FuzzVerify(f *testing.F) {
	p := stdPKI(f)
	for _, ev := range allEvents() {
		der, _ := p.signed(f, ev)
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x80, 0x06, 0x09})
	checks := []string{CheckCMS, CheckMessageDigest, CheckSigningCertificate, CheckSignature, CheckTimestamp,
		CheckTimestampImprint, CheckTimestampChain, CheckChain, CheckSigningTime, CheckContent, CheckIssuer}
	f.Fuzz(func(t *testing.T, der []byte) {
		v, err := Verify(der, p.roots, VerifyOptions{})
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || !slices.Contains(checks, ve.Check) {
				t.Fatalf("Verify error %v is not a *VerifyError with a known check", err)
			}
			return
		}
		if _, err := Parse(v.Content); err != nil || !v.Signer.Equal(p.seal) {
			t.Fatalf("Verify accepted content that does not parse or another signer: %v", err)
		}
	})
}
