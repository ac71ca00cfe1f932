package verification_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/cms"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/verification"
)

// world is an authority with two accredited providers, each with its seal.
type world struct {
	auth       *pki.Authority
	a, b       *evidence.KeySigner
	trustList  *pki.TrustList
	now        time.Time
	rootAnchor verification.Anchors
}

func newWorld(t testing.TB) *world {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	dir := t.TempDir()
	a, err := pki.Init(filepath.Join(dir, "authority"), "Test Authority", now)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{auth: a, now: now}
	w.a = issue(t, a, "a.siegel.test", filepath.Join(dir, "a"), now)
	w.b = issue(t, a, "b.siegel.test", filepath.Join(dir, "b"), now)
	der, _, err := a.SignTrustList(now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if w.trustList, err = pki.ParseTrustList(der, a.Root, now); err != nil {
		t.Fatal(err)
	}
	w.rootAnchor = verification.Anchors{Root: a.Root}
	return w
}

func issue(t testing.TB, a *pki.Authority, domain, dir string, now time.Time) *evidence.KeySigner {
	t.Helper()
	is, err := a.Issue(domain, "Provider "+domain, dir, now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := evidence.NewKeySigner(is.SealKey, is.Seal, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (w *world) evidence(s *evidence.KeySigner, domain string) *evidence.Evidence {
	return &evidence.Evidence{Event: evidence.ContentConsignment, ID: evidence.NewID(), EventTime: w.now,
		SubmissionTime: w.now.Add(-time.Second),
		Issuer:         evidence.Issuer{Name: "Provider " + domain, Domain: domain, Certificate: s.Certificate().Raw},
		Sender:         evidence.Party{Address: "stadt@" + domain, Kind: account.Authority},
		Recipient:      evidence.Party{Address: "erika@" + domain, Name: "Erika Muster", Kind: account.Person},
		MessageID:      "0123456789abcdef", PrivateID: "AZ 1", ContentDigest: [32]byte{1, 2, 3}}
}

func (w *world) files(t testing.TB, s *evidence.KeySigner, domain string) (p7m, eml []byte) {
	t.Helper()
	return w.filesOf(t, s, w.evidence(s, domain))
}

// filesOf is the evidence file and the confirmation message of ev, sealed by s.
func (w *world) filesOf(t testing.TB, s *evidence.KeySigner, ev *evidence.Evidence) (p7m, eml []byte) {
	t.Helper()
	p7m, err := evidence.SignEvidence(t.Context(), ev, s, w.auth.TSA, w.now)
	if err != nil {
		t.Fatal(err)
	}
	eml, err = evidence.ComposeConfirmation(t.Context(), &evidence.Confirmation{Evidence: ev, MessageID: "fedcba9876543210",
		Subject: "Bescheid", Date: w.now, File: p7m}, s, w.auth.TSA, w.now)
	if err != nil {
		t.Fatal(err)
	}
	return p7m, eml
}

// TestCheckKinds: each kind of file is recognised, checked and reported
// with its facts; against the trust list too.
func TestCheckKinds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p7m, eml := w.files(t, w.a, "a.siegel.test")
	listed := verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}
	for _, tc := range []struct {
		name, kind string
		file       []byte
	}{{"evidence", verification.KindEvidence, p7m}, {"confirmation", verification.KindConfirmation, eml}} {
		r := verification.Check(tc.file, listed)
		if !r.Valid || r.Kind != tc.kind || r.Event != "ContentConsignment" || r.IssuerDomain != "a.siegel.test" ||
			r.Recipient == nil || r.Recipient.Address != "erika@a.siegel.test" || r.PrivateID != "AZ 1" ||
			r.TimestampTime == nil || len(r.Chain) != 2 || r.TrustList == "" {
			t.Errorf("%s: %+v", tc.name, r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("%s: report as JSON: %v", tc.name, err)
		}
	}
}

// TestCheckRelayEvents: the handover to another provider (federation),
// accepted or failed, checks as an evidence file and as a confirmation,
// with the event and the reason reported; a failure without a reason is
// not signed.
func TestCheckRelayEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	listed := verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}
	for _, tc := range []struct {
		event   evidence.Event
		reasons []evidence.Reason
		subject string
	}{
		{evidence.RelayAcceptance, nil, "*Übergabebestätigung* Bescheid"},
		{evidence.RelayFailure, []evidence.Reason{{Code: evidence.ReasonRelay, Details: "b.siegel.test: 421 4.4.2 connection timed out"}},
			"*Übergabefehler* Bescheid"},
	} {
		ev := w.evidence(w.a, "a.siegel.test")
		ev.Event, ev.Reasons = tc.event, tc.reasons
		ev.Recipient.Address = "erika@b.siegel.test"
		p7m, eml := w.filesOf(t, w.a, ev)
		for _, f := range []struct {
			kind string
			file []byte
		}{{verification.KindEvidence, p7m}, {verification.KindConfirmation, eml}} {
			r := verification.Check(f.file, listed)
			if !r.Valid || r.Kind != f.kind || r.Event != tc.event.Name() || r.ConsignmentTime != nil ||
				len(r.Reasons) != len(tc.reasons) || r.Recipient == nil || r.Recipient.Address != "erika@b.siegel.test" {
				t.Errorf("%s %s: %+v", tc.event.Name(), f.kind, r)
			}
			for i, rs := range tc.reasons {
				if i < len(r.Reasons) && r.Reasons[i] != rs.Code+": "+rs.Details {
					t.Errorf("%s %s: reason %q", tc.event.Name(), f.kind, r.Reasons[i])
				}
			}
			if f.kind == verification.KindConfirmation && r.Subject != tc.subject {
				t.Errorf("%s: subject %q, want %q", tc.event.Name(), r.Subject, tc.subject)
			}
		}
	}
	ev := w.evidence(w.a, "a.siegel.test")
	ev.Event = evidence.RelayFailure
	if _, err := evidence.SignEvidence(t.Context(), ev, w.a, w.auth.TSA, w.now); err == nil {
		t.Error("signed a relay failure without a reason")
	}
}

// TestCheckTrustList: a seal of the authority that the trust list does not
// name (replaced since, or issued after the list) is refused by name;
// without a trust list the chain alone decides.
func TestCheckTrustList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A provider accredited after the list was signed is not on it.
	c := issue(t, w.auth, "c.siegel.test", filepath.Join(t.TempDir(), "c"), w.now)
	_, eml := w.files(t, c, "c.siegel.test")
	if r := verification.Check(eml, verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}); r.Valid || r.FailedCheck != verification.CheckTrustList {
		t.Errorf("a provider not on the list: %+v", r)
	}
	if r := verification.Check(eml, w.rootAnchor); !r.Valid {
		t.Errorf("the same by the chain alone: %+v", r)
	}
	// Issuing for a.siegel.test again replaces its seal on the next list.
	oldA := w.a
	issue(t, w.auth, "a.siegel.test", filepath.Join(t.TempDir(), "a2"), w.now)
	der, _, err := w.auth.SignTrustList(w.now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	next, err := pki.ParseTrustList(der, w.auth.Root, w.now)
	if err != nil {
		t.Fatal(err)
	}
	p7m, _ := w.files(t, oldA, "a.siegel.test")
	if r := verification.Check(p7m, verification.Anchors{Root: w.auth.Root, TrustList: next}); r.Valid || r.FailedCheck != verification.CheckTrustList {
		t.Errorf("a replaced seal against the new list: %+v", r)
	}
	if r := verification.Check(p7m, verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}); !r.Valid {
		t.Errorf("the replaced seal against the list of its time: %+v", r)
	}
}

// TestCheckRefuses: another authority's root, a changed byte in each layer,
// a truncated file, no evidence at all: each invalid with the check named.
func TestCheckRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p7m, eml := w.files(t, w.a, "a.siegel.test")
	other, err := pki.Init(filepath.Join(t.TempDir(), "other"), "Other Authority", w.now)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x01
		return c
	}
	xmlAt := bytes.Index(p7m, []byte("<EvidenceIdentifier>")) + 25
	textAt := bytes.Index(eml, []byte("Content-Type: text/plain")) + 200
	for _, tc := range []struct {
		name, check string
		file        []byte
		anchors     verification.Anchors
	}{
		{"other root", evidence.CheckTimestampChain, p7m, verification.Anchors{Root: other.Root}},
		{"xml byte", evidence.CheckMessageDigest, flip(p7m, xmlAt), w.rootAnchor},
		{"signature byte", evidence.CheckSignature, flip(p7m, signatureAt(t, p7m)), w.rootAnchor},
		{"truncated", evidence.CheckCMS, p7m[:len(p7m)/2], w.rootAnchor},
		{"confirmation text", evidence.CheckMessageDigest, flip(eml, textAt), w.rootAnchor},
		{"confirmation truncated", "mime", eml[:len(eml)-400], w.rootAnchor},
		{"no evidence", verification.CheckFile, []byte("hello, court\n"), w.rootAnchor},
		{"empty", verification.CheckFile, nil, w.rootAnchor},
		{"no root", evidence.CheckChain, p7m, verification.Anchors{}},
	} {
		r := verification.Check(tc.file, tc.anchors)
		if r.Valid || r.FailedCheck != tc.check || r.Reason == "" {
			t.Errorf("%s: valid=%v check %q (%s), want invalid by %q", tc.name, r.Valid, r.FailedCheck, r.Reason, tc.check)
		}
	}
}

// signatureAt finds a byte inside the seal's signature value.
func signatureAt(t *testing.T, p7m []byte) int {
	t.Helper()
	d, err := cms.Parse(p7m)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Index(p7m, d.Signature) + 10
}

func (w *world) letter(t testing.TB, seal letter.Sealer, confirmed bool) []byte {
	t.Helper()
	m, err := letter.Build(letter.Draft{MessageID: "0123456789abcdef0123456789abcdef", From: "erika@a.siegel.test",
		FromName: "Erika Muster", To: []string{"stadt@a.siegel.test"}, Subject: "Widerspruch", Text: "Hiermit …",
		Options: letter.Options{SenderConfirmed: confirmed}, AuthLevel: account.High, Provider: "a.siegel.test",
		Date: w.now, Seal: seal})
	if err != nil {
		t.Fatal(err)
	}
	return m.Bytes(letter.ViewRecipient, "")
}

// TestCheckLetter: a sender-confirmed letter's seal chains to the root and
// is on the trust list; any changed signed field fails; a letter with a
// hash only is reported as unsigned.
func TestCheckLetter(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	listed := verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}
	signed := w.letter(t, w.a, true)
	if r := verification.Check(signed, listed); !r.Valid || r.Kind != verification.KindLetter || r.Signed == nil ||
		!*r.Signed || r.Subject != "Widerspruch" || len(r.Chain) != 2 {
		t.Errorf("signed letter: %+v", r)
	}
	changed := bytes.Replace(signed, []byte("Subject: Widerspruch"), []byte("Subject: Zustimmung"), 1)
	if r := verification.Check(changed, listed); r.Valid || r.FailedCheck != verification.CheckIntegrity {
		t.Errorf("changed subject: %+v", r)
	}
	// b.siegel.test's seal signing as a.siegel.test: on the list, but not
	// as the seal of the domain the letter names.
	if r := verification.Check(w.letter(t, w.b, true), listed); r.Valid || r.FailedCheck != verification.CheckTrustList {
		t.Errorf("another provider's seal: %+v", r)
	}
	other, err := pki.Init(filepath.Join(t.TempDir(), "other"), "Other Authority", w.now)
	if err != nil {
		t.Fatal(err)
	}
	if r := verification.Check(signed, verification.Anchors{Root: other.Root}); r.Valid || r.FailedCheck != evidence.CheckChain {
		t.Errorf("another authority's root: %+v", r)
	}
	hashed := w.letter(t, nil, false)
	if r := verification.Check(hashed, listed); !r.Valid || r.Signed == nil || *r.Signed {
		t.Errorf("hashed letter: %+v", r)
	}
}

// FuzzCheck: whatever the file, Check never panics, and its report is
// either valid with a kind and no failure, or invalid naming the check and
// the reason.
func FuzzCheck(f *testing.F) {
	w := newWorld(f)
	p7m, eml := w.files(f, w.a, "a.siegel.test")
	for _, seed := range [][]byte{p7m, eml, w.letter(f, w.a, true), w.letter(f, nil, false), nil, []byte("0")} {
		f.Add(seed)
	}
	anchors := verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := verification.Check(b, anchors)
		if r.Valid && (r.Kind == "" || r.FailedCheck != "") {
			t.Fatalf("valid report without a kind or with a failure: %+v", r)
		}
		if !r.Valid && (r.FailedCheck == "" || r.Reason == "") {
			t.Fatalf("invalid report without the check or the reason: %+v", r)
		}
	})
}

// TestCheckRevoked: evidence of a seal revoked after it signed keeps its
// validity and the report says so; evidence signed after the revocation is
// refused by the trust-list check.
func TestCheckRevoked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		shift time.Duration // revocation time relative to the signature
		valid bool
	}{{"revoked later", time.Hour, true}, {"revoked before", -time.Hour, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			p7m, eml := w.files(t, w.a, "a.siegel.test")
			if _, err := w.auth.Revoke("a.siegel.test", "Akkreditierung widerrufen", w.now.Add(tc.shift)); err != nil {
				t.Fatal(err)
			}
			at := w.now.Add(max(tc.shift, 0) + time.Minute)
			der, _, err := w.auth.SignTrustList(at, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			l, err := pki.ParseTrustList(der, w.auth.Root, at)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := l.Lookup("a.siegel.test"); ok {
				t.Fatal("the revoked provider is still on the list")
			}
			for _, f := range [][]byte{p7m, eml} {
				r := verification.Check(f, verification.Anchors{Root: w.auth.Root, TrustList: l})
				if tc.valid && (!r.Valid || !strings.Contains(r.Revoked, "revoked later")) {
					t.Errorf("%+v", r)
				}
				if !tc.valid && (r.Valid || r.FailedCheck != verification.CheckTrustList || !strings.Contains(r.Reason, "before it signed")) {
					t.Errorf("%+v", r)
				}
			}
		})
	}
}
