package evidence

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/cms"
)

// signTime is when the test evidence is signed; tests that need certificates
// valid today (openssl without -attime) use time.Now instead.
var signTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testPKI is an authority in miniature: root, intermediate, the provider's
// seal and a TSA, all ECDSA P-256, as internal/pki issues them.
type testPKI struct {
	root, inter, seal, tsa *x509.Certificate
	rootKey, interKey      *ecdsa.PrivateKey
	sealKey, tsaKey        *ecdsa.PrivateKey
	roots                  *x509.CertPool
	signer                 *KeySigner
}

type certSpec struct {
	cn        string
	notBefore time.Time
	notAfter  time.Time
	ca        bool
	tsa       bool // critical EKU timeStamping (RFC 3161 §2.3)
	tsaLoose  bool // timeStamping EKU, but not critical
}

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, s certSpec, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: s.cn, Organization: []string{"Siegel Test"}},
		NotBefore:    s.notBefore,
		NotAfter:     s.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	switch {
	case s.ca:
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	case s.tsa || s.tsaLoose:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		v, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: s.tsa, Value: v}}
	default:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newPKI makes a PKI whose seal certificate is valid from sealFrom to sealTo;
// everything else is valid for decades around the test times and today.
func newPKI(t testing.TB, name string, sealFrom, sealTo time.Time) *testPKI {
	t.Helper()
	long := certSpec{notBefore: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := &testPKI{rootKey: mustKey(t), interKey: mustKey(t), sealKey: mustKey(t), tsaKey: mustKey(t)}
	s := long
	s.cn, s.ca = name+" Root CA", true
	p.root = issue(t, s, p.rootKey.Public(), nil, p.rootKey)
	s.cn = name + " Intermediate CA"
	p.inter = issue(t, s, p.interKey.Public(), p.root, p.rootKey)
	s = long
	s.cn, s.tsa = name+" TSA", true
	p.tsa = issue(t, s, p.tsaKey.Public(), p.inter, p.interKey)
	s = certSpec{cn: name + " Seal", notBefore: sealFrom, notAfter: sealTo}
	p.seal = issue(t, s, p.sealKey.Public(), p.inter, p.interKey)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	signer, err := NewKeySigner(p.sealKey, p.seal, []*x509.Certificate{p.inter})
	if err != nil {
		t.Fatal(err)
	}
	p.signer = signer
	return p
}

// stdPKI has a seal certificate valid a year around signTime.
func stdPKI(t testing.TB) *testPKI {
	return newPKI(t, "Siegel Test", signTime.AddDate(0, -6, 0), signTime.AddDate(0, 6, 0))
}

// digitorusTSA is an RFC 3161 TSA made with github.com/digitorus/timestamp,
// an implementation independent of ours. Its tokens carry the TSA certificate
// and the intermediate. It stamps the time now() returns.
type digitorusTSA struct {
	cert  *x509.Certificate
	key   crypto.Signer
	chain []*x509.Certificate
	now   func() time.Time
	calls int
}

func (p *testPKI) tsaAt(at time.Time) *digitorusTSA {
	return &digitorusTSA{cert: p.tsa, key: p.tsaKey, chain: []*x509.Certificate{p.inter}, now: func() time.Time { return at }}
}

func (a *digitorusTSA) Timestamp(_ context.Context, digest []byte) ([]byte, error) {
	a.calls++
	ts := timestamp.Timestamp{
		HashAlgorithm: crypto.SHA256, HashedMessage: digest, Time: a.now(),
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true, Certificates: a.chain,
	}
	resp, err := ts.CreateResponseWithOpts(a.cert, a.key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return tokenOfResponse(resp)
}

// tokenOfResponse takes the TimeStampToken out of a TimeStampResp
// (RFC 3161 §2.4.2) without verifying it.
func tokenOfResponse(resp []byte) ([]byte, error) {
	s := cryptobyte.String(resp)
	var r, tok cryptobyte.String
	if !s.ReadASN1(&r, cbasn1.SEQUENCE) || !r.SkipASN1(cbasn1.SEQUENCE) || !r.ReadASN1Element(&tok, cbasn1.SEQUENCE) {
		return nil, errors.New("no token in the response")
	}
	return tok, nil
}

// funcTSA is a Timestamper from a function, for tests of what Sign refuses.
type funcTSA func(ctx context.Context, digest []byte) ([]byte, error)

func (f funcTSA) Timestamp(ctx context.Context, digest []byte) ([]byte, error) { return f(ctx, digest) }

// sample returns a complete, valid document of event ev issued with cert.
func sample(ev Event, cert []byte) *Evidence {
	e := &Evidence{
		Event:          ev,
		ID:             "ev-7Q2KX4ZJ3M5N6P7R8S9T0V1W2Y",
		EventTime:      signTime,
		SubmissionTime: signTime.Add(-90 * time.Second),
		Issuer:         Issuer{Name: "Siegel Beispiel GmbH & Co. KG", Domain: "siegel.example", Certificate: cert},
		Sender: Party{Address: "post@amt.siegel.example", Name: "Stadt Musterstadt <Bürgeramt>",
			Kind: account.Authority, Level: account.High},
		Recipient:     Party{Address: "erika.mustermann@andere.example", Name: "Erika Mustermann", Kind: account.Person},
		MessageID:     "20250301T115830Z.4f9a2c@siegel.example",
		PrivateID:     "Az. 4711/2025 – Müller",
		ContentDigest: sha256.Sum256([]byte("the letter as stored")),
	}
	switch ev {
	case SubmissionRejection:
		e.Reasons = []Reason{{Code: ReasonMalware, Details: "The attachment Bescheid.pdf contains malware."}}
	case RelayFailure:
		e.Reasons = []Reason{{Code: ReasonRelay, Details: "andere.example: 421 4.4.2 connection timed out; last try at the final deadline."}}
	case ContentConsignmentFailure:
		e.Reasons = []Reason{{Code: ReasonUnknownRecipient, Details: "No account has this address."},
			{Code: "urn:example:second", Details: "A second reason, to show there may be several."}}
	case ContentHandover:
		e.SubmissionTime = signTime.Add(-26 * time.Hour)
		e.ConsignmentTime = e.SubmissionTime.Add(40 * time.Second)
		e.Recipient.Level = account.High
	case ContentHandoverFailure:
		// VwZG §5a(4): the third day after dispatch has ended.
		e.SubmissionTime = time.Date(2025, 2, 25, 9, 14, 2, 0, time.UTC)
		e.ConsignmentTime = e.SubmissionTime.Add(40 * time.Second)
		e.Reasons = []Reason{{Code: ReasonNotPickedUp, Details: "Not picked up by the end of the third day after dispatch; deemed served (VwZG §5a(4))."}}
	}
	return e
}

func allEvents() []Event {
	// The relay events come last, so that the fuzz corpora's event indexes
	// keep naming the events they did.
	return []Event{SubmissionAcceptance, SubmissionRejection, ContentConsignment,
		ContentConsignmentFailure, ContentHandover, ContentHandoverFailure, RelayAcceptance, RelayFailure}
}

func mustMarshal(t testing.TB, e *Evidence) []byte {
	t.Helper()
	doc, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// signed returns a signed evidence file of ev from p, time-stamped by p's TSA at signTime.
func (p *testPKI) signed(t testing.TB, ev Event) ([]byte, []byte) {
	t.Helper()
	doc := mustMarshal(t, sample(ev, p.seal.Raw))
	der, err := Sign(context.Background(), doc, p.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	return der, doc
}

// wantCheck asserts err is a *VerifyError of check.
func wantCheck(t testing.TB, err error, check string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *VerifyError (want check %q)", err, check)
	}
	if ve.Check != check {
		t.Fatalf("check %q failed, want %q: %v", ve.Check, check, err)
	}
}

// fileParts takes an evidence file apart: its signature value, its
// time-stamp token, and the token's TSTInfo.
func fileParts(t testing.TB, der []byte) (sig, token, tstInfo []byte) {
	t.Helper()
	f, err := parseSignedFile(der)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cms.ParseToken(f.token)
	if err != nil {
		t.Fatal(err)
	}
	return f.sd.Signature, f.token, tok.SignedData.Content
}
