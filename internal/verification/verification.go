// Package verification is what `siegel verify` (and the web mailbox's
// evidence panel) tells a reader about a file: a confirmation message, a
// bare evidence file, or a letter carrying X-de-mail-integrity. It runs the
// checks of packages evidence and letter offline, adds the one they cannot
// make alone (is the signer an accredited provider on the authority's trust
// list?), and gives one Report with the facts and a verdict. The verdict
// names the check that failed, and nothing but a file that passes every
// check is valid.
package verification

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
)

// Kinds of file.
const (
	KindConfirmation = "confirmation" // an S/MIME confirmation message (.eml)
	KindEvidence     = "evidence"     // a bare evidence file (.p7m, DER)
	KindLetter       = "letter"       // a letter with X-de-mail-integrity (.eml)
)

// Names of the checks this package adds to evidence's Check… names.
const (
	CheckFile      = "file"       // what kind of file it is
	CheckTrustList = "trust-list" // the signer is the seal of an accredited provider
	CheckIntegrity = "integrity"  // a letter's X-de-mail-integrity
)

// MaxFile bounds what Check reads: the largest letter between providers
// (SPEC "Limits": at least 45 MiB) and a margin.
const MaxFile = 64 << 20

// Anchors are what a file is checked against.
type Anchors struct {
	Root *x509.Certificate // the accreditation authority's root
	// TrustList, when set, must name the signer's seal for its domain.
	TrustList *pki.TrustList
}

// Party is a sender or recipient as the evidence names them.
type Party struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Level   string `json:"login_level,omitempty"`
}

// Report is the outcome of checking one file.
type Report struct {
	Kind  string `json:"kind"` // confirmation, evidence or letter; "" when unknown
	Valid bool   `json:"valid"`
	// FailedCheck names the check that failed (evidence.Check…, or this
	// package's), and Reason says exactly why.
	FailedCheck string `json:"failed_check,omitempty"`
	Reason      string `json:"reason,omitempty"`

	Event           string     `json:"event,omitempty"` // ETSI event name
	EvidenceID      string     `json:"evidence_id,omitempty"`
	EventTime       *time.Time `json:"event_time,omitempty"`
	SubmissionTime  *time.Time `json:"submission_time,omitempty"`
	ConsignmentTime *time.Time `json:"consignment_time,omitempty"`
	Reasons         []string   `json:"event_reasons,omitempty"`
	IssuerName      string     `json:"issuer_name,omitempty"`
	IssuerDomain    string     `json:"issuer_domain,omitempty"`
	Sender          *Party     `json:"sender,omitempty"`
	Recipient       *Party     `json:"recipient,omitempty"`
	MessageID       string     `json:"message_id,omitempty"`
	PrivateID       string     `json:"private_id,omitempty"`
	ContentDigest   string     `json:"content_digest,omitempty"` // SHA-256, hex
	Subject         string     `json:"subject,omitempty"`
	SigningTime     *time.Time `json:"signing_time,omitempty"`   // the provider's clock
	TimestampTime   *time.Time `json:"timestamp_time,omitempty"` // the time-stamping authority's: the time that counts
	TSA             string     `json:"tsa,omitempty"`
	Signer          string     `json:"signer,omitempty"`              // the seal certificate's subject
	SignerSHA256    string     `json:"signer_sha256,omitempty"`       // its fingerprint
	Chain           []string   `json:"chain,omitempty"`               // signer up to the root
	TrustList       string     `json:"trust_list,omitempty"`          // which list was consulted
	Revoked         string     `json:"revoked,omitempty"`             // the seal was revoked after it signed
	Signed          *bool      `json:"integrity_signed,omitempty"`    // letters: signature (true) or hash only
	BodyHash        string     `json:"integrity_body_hash,omitempty"` // letters: bh=, hex

	signer *x509.Certificate
}

// Check detects what file is and checks it against a.
func Check(file []byte, a Anchors) *Report {
	r := &Report{}
	if len(file) > MaxFile {
		return r.fail(CheckFile, fmt.Errorf("%d bytes, at most %d", len(file), MaxFile))
	}
	if a.Root == nil {
		return r.fail(evidence.CheckChain, errors.New("no authority root certificate to check against"))
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root)
	switch {
	case len(file) > 0 && file[0] == 0x30: // a DER SEQUENCE: CMS
		r.Kind = KindEvidence
		v, err := evidence.Verify(file, roots, evidence.VerifyOptions{})
		if err != nil {
			return r.failVerify(err)
		}
		r.fill(v)
	case isConfirmation(file):
		r.Kind = KindConfirmation
		v, err := evidence.VerifyConfirmation(file, roots, evidence.VerifyOptions{})
		if err != nil {
			return r.failVerify(err)
		}
		r.fill(&v.Verified)
		r.Subject = v.Subject
	case bytes.Contains(headerBlock(file), []byte("\nX-de-mail-integrity:")) ||
		bytes.HasPrefix(bytes.ToLower(file), []byte("x-de-mail-integrity:")):
		r.Kind = KindLetter
		return r.letter(file, a, roots)
	default:
		return r.fail(CheckFile, errors.New("neither an evidence file (DER CMS), a confirmation message (S/MIME multipart/signed) nor a letter with X-de-mail-integrity"))
	}
	// Verify checked the chain at the time-stamp's time; list it.
	if chains, err := r.signer.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: *r.TimestampTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
		for _, c := range chains[0] {
			r.Chain = append(r.Chain, c.Subject.String())
		}
	}
	if a.TrustList != nil {
		note, err := onTrustList(a.TrustList, r.IssuerDomain, r.signer, *r.TimestampTime)
		if err != nil {
			return r.fail(CheckTrustList, err)
		}
		r.Revoked = note
		r.TrustList = fmt.Sprintf("no. %d of %s, issued %s", a.TrustList.Sequence, a.TrustList.Issuer,
			a.TrustList.Issued.UTC().Format(time.RFC3339))
	}
	r.Valid = true
	return r
}

// onTrustList checks cert against the trust list as the seal of domain at
// signed, the time-stamp's time (a letter's date when there is none). A seal
// the list records as revoked before it signed is refused; one revoked
// after keeps its evidence valid (SPEC: confirmations keep their validity
// when a provider later loses its accreditation), and note says so. A seal
// the list neither names nor revokes is refused; when the list is newer than
// the signature, the reason says to use the list in force then.
func onTrustList(l *pki.TrustList, domain string, cert *x509.Certificate, signed time.Time) (note string, err error) {
	if cert == nil {
		return "", errors.New("no seal certificate")
	}
	listed, revokedAt, reason := l.SealStatus(cert)
	switch {
	case !revokedAt.IsZero() && cert.VerifyHostname(domain) != nil:
		err = fmt.Errorf("the signer is a revoked seal, and not of %s", domain)
	case !revokedAt.IsZero() && !revokedAt.After(signed):
		return "", fmt.Errorf("the seal of %s was revoked at %s (%s), before it signed at %s", domain,
			revokedAt.UTC().Format(time.RFC3339), reason, signed.UTC().Format(time.RFC3339))
	case !revokedAt.IsZero():
		return fmt.Sprintf("the seal was revoked later, at %s (%s); what it signed before keeps its validity",
			revokedAt.UTC().Format(time.RFC3339), reason), nil
	case !listed:
		err = fmt.Errorf("the signer is not a seal on trust list no. %d", l.Sequence)
	default:
		if p, ok := l.Lookup(domain); ok && p.Seal.Equal(cert) {
			return "", nil
		}
		err = fmt.Errorf("the signer is not the seal of %s on trust list no. %d", domain, l.Sequence)
	}
	if l.Issued.After(signed) {
		return "", fmt.Errorf("%w; that list was issued at %s, after the signature of %s: check against the list in force then",
			err, l.Issued.UTC().Format(time.RFC3339), signed.UTC().Format(time.RFC3339))
	}
	return "", err
}

func (r *Report) fail(check string, err error) *Report {
	r.Valid, r.FailedCheck, r.Reason = false, check, err.Error()
	return r
}

func (r *Report) failVerify(err error) *Report {
	var ve *evidence.VerifyError
	if errors.As(err, &ve) {
		return r.fail(ve.Check, ve.Err)
	}
	return r.fail(evidence.CheckCMS, err)
}

// fill copies what a verified evidence proves into the report.
func (r *Report) fill(v *evidence.Verified) {
	e := v.Evidence
	r.Event, r.EvidenceID = e.Event.Name(), e.ID
	r.EventTime, r.SubmissionTime = timePtr(e.EventTime), timePtr(e.SubmissionTime)
	r.ConsignmentTime = timePtr(e.ConsignmentTime)
	for _, rs := range e.Reasons {
		r.Reasons = append(r.Reasons, rs.Code+": "+rs.Details)
	}
	r.IssuerName, r.IssuerDomain = e.Issuer.Name, e.Issuer.Domain
	r.Sender, r.Recipient = party(e.Sender), party(e.Recipient)
	r.MessageID, r.PrivateID = e.MessageID, e.PrivateID
	r.ContentDigest = hex.EncodeToString(e.ContentDigest[:])
	r.SigningTime, r.TimestampTime = timePtr(v.SigningTime), timePtr(v.TimestampTime)
	if v.TSA != nil {
		r.TSA = v.TSA.Subject.String()
	}
	r.setSigner(v.Signer)
}

func (r *Report) setSigner(c *x509.Certificate) {
	r.signer = c
	r.Signer = c.Subject.String()
	sum := sha256.Sum256(c.Raw)
	r.SignerSHA256 = hex.EncodeToString(sum[:])
}

func party(p evidence.Party) *Party {
	return &Party{Address: p.Address, Name: p.Name, Kind: string(p.Kind), Level: string(p.Level)}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// headerBlock is the message's header block, up to the first empty line.
func headerBlock(b []byte) []byte {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return b[:i+2]
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return b[:i+1]
	}
	return b
}

// isConfirmation: a message whose top-level type is multipart/signed, and
// that is not a user's letter: one its sender's client signed end to end
// (S/MIME or OpenPGP) is multipart/signed too, and is checked as a letter
// (TR PVD-FU §3.2.2).
func isConfirmation(b []byte) bool {
	hb := headerBlock(b)
	if !bytes.Contains(bytes.ToLower(hb), []byte("content-type: multipart/signed")) {
		return false
	}
	m, err := mail.ReadMessage(bytes.NewReader(hb))
	return err != nil || m.Header.Get(letter.HdrMessageType) != letter.TypeNormal
}

// letter checks a letter's integrity value, and for a signed one (a
// sender-confirmed letter, TR PVD-IO §3.4) the seal's chain to the root at
// the letter's date, and the trust list.
func (r *Report) letter(raw []byte, a Anchors, roots *x509.CertPool) *Report {
	res, err := letter.CheckIntegrity(raw)
	if err != nil {
		return r.fail(CheckIntegrity, err)
	}
	signed := res.Signed
	r.Signed = &signed
	r.BodyHash = hex.EncodeToString(res.BodyHash[:])
	if p, err := letter.Parse(raw); err == nil {
		r.Subject, r.MessageID = p.Subject, p.MessageID
		r.Sender = &Party{Address: p.From, Name: p.FromName, Level: string(p.AuthLevel)}
		r.IssuerDomain = p.Provider
		if !p.Date.IsZero() {
			r.SigningTime = timePtr(p.Date)
		}
	}
	if !signed {
		// A hash shows the body is unchanged since the hash was written,
		// not who wrote it: valid as far as it goes, and the report says so.
		r.Valid = true
		return r
	}
	at := time.Now()
	if r.SigningTime != nil {
		at = *r.SigningTime
	}
	chains, err := res.Certificate.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return r.fail(evidence.CheckChain, fmt.Errorf("the seal certificate %s at %s: %v", res.Certificate.Subject, at.Format(time.RFC3339), err))
	}
	r.setSigner(res.Certificate)
	for _, c := range chains[0] {
		r.Chain = append(r.Chain, c.Subject.String())
	}
	if a.TrustList != nil {
		note, err := onTrustList(a.TrustList, r.IssuerDomain, res.Certificate, at)
		if err != nil {
			return r.fail(CheckTrustList, err)
		}
		r.Revoked = note
	}
	r.Valid = true
	return r
}
