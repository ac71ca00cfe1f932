package evidence

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
)

// Event is an ETSI EN 319 522 evidence event, named by its URI
// (ETSI EN 319 522-3, the ERDSEventId values "http://uri.etsi.org/19522/Event/<Name>").
type Event string

// The events Siegel issues evidence for (SPEC "Glossary").
const (
	// SubmissionAcceptance: the letter left the sender's mailbox: the dispatch
	// confirmation, issued by the sender's provider (DMG §5(7); TR PVD-FU §3.3.3).
	SubmissionAcceptance Event = eventPrefix + "SubmissionAcceptance"
	// SubmissionRejection: the sender's provider refused the letter.
	SubmissionRejection Event = eventPrefix + "SubmissionRejection"
	// RelayAcceptance: the sender's provider handed the letter over to the
	// recipient's provider, which took responsibility for it (it answered
	// 250 over SMTP between providers; TR BInfra-IO): the handover
	// confirmation, issued by the sender's provider (federation).
	RelayAcceptance Event = eventPrefix + "RelayAcceptance"
	// RelayFailure: the sender's provider could not hand the letter over to
	// the recipient's provider by the final deadline (the recipient's
	// provider unreachable, no longer accredited, …).
	RelayFailure Event = eventPrefix + "RelayFailure"
	// ContentConsignment: the letter was stored in the recipient's mailbox: the
	// receipt confirmation, issued by the recipient's provider (DMG §5(8);
	// TR PVD-FU §3.3.4).
	ContentConsignment Event = eventPrefix + "ContentConsignment"
	// ContentConsignmentFailure: the letter could not be stored in the
	// recipient's mailbox (unknown recipient, closed account, …).
	ContentConsignmentFailure Event = eventPrefix + "ContentConsignmentFailure"
	// ContentHandover: the recipient logged in at high after the letter arrived:
	// the pickup confirmation, issued by the recipient's provider (DMG §5(9);
	// TR PVD-FU §3.3.5).
	ContentHandover Event = eventPrefix + "ContentHandover"
	// ContentHandoverFailure: the letter was not picked up in time. For formal
	// service it is then deemed served on the third day after dispatch
	// (VwZG §5a(4)); the evidence records that no pickup happened by then.
	ContentHandoverFailure Event = eventPrefix + "ContentHandoverFailure"
)

const eventPrefix = "http://uri.etsi.org/19522/Event/"

// Name is the last part of the event URI, "SubmissionAcceptance" etc.
func (ev Event) Name() string { return strings.TrimPrefix(string(ev), eventPrefix) }

// Valid reports whether ev is one of the events above.
func (ev Event) Valid() bool {
	switch ev {
	case SubmissionAcceptance, SubmissionRejection, RelayAcceptance, RelayFailure,
		ContentConsignment, ContentConsignmentFailure, ContentHandover, ContentHandoverFailure:
		return true
	}
	return false
}

// Negative reports whether ev records that something did not happen; such
// evidence must say why (ETSI EN 319 522-2 event reasons).
func (ev Event) Negative() bool {
	return ev == SubmissionRejection || ev == RelayFailure || ev == ContentConsignmentFailure || ev == ContentHandoverFailure
}

// DigestSHA256 is the algorithm URI of the content digest: SHA-256 as named by
// XML Encryption, the identifier ETSI EN 319 522-3 uses for DigestMethod.
const DigestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

// Reason codes Siegel uses; a Reason may carry any code that passes Check. The
// first four are the X-de-mail-notification-type values (TR PVD-IO §3.1.20).
const (
	ReasonUnknownRecipient = "unknown-recipient"
	ReasonClosedAccount    = "closed-account"
	ReasonInvalidFormat    = "invalid-format"
	ReasonOther            = "other"
	ReasonNotPickedUp      = "not-picked-up" // ContentHandoverFailure by the deadline (VwZG §5a(4))
	ReasonMalware          = "malware"       // TR PVD-FU §3.1.3.1
	// ReasonRelay: RelayFailure, the letter could not be handed over to the
	// recipient's provider by the final deadline; Details carry the last
	// error (the SMTP reply, or why no connection was made).
	ReasonRelay = "relay-failure"
)

// Issuer is the provider that issues and signs the evidence (DMG §5(7) Nr. 3:
// "Name … oder die Firma des akkreditierten Diensteanbieters").
type Issuer struct {
	Name        string // the provider's name, as in the config's name
	Domain      string // the provider's mail domain
	Certificate []byte // DER of the seal certificate that signs the evidence
}

// Party is the sender or the recipient as the evidence names them. Only Address
// is required: the issuer knows the kind and login level of its own users only.
type Party struct {
	Address string        // the registered-mail address (DMG §5(7) Nr. 1)
	Name    string        // display name, "" when unknown
	Kind    account.Kind  // "" when unknown
	Level   account.Level // login level at the event (X-de-mail-auth-level), "" when not applicable
}

// Reason says why a negative event happened (ETSI EN 319 522-2 event reasons).
type Reason struct {
	Code    string // a token or URI, e.g. ReasonUnknownRecipient
	Details string // one sentence for a person
}

// Evidence is the evidence document of one event. The XML element of each field
// is in brackets; the document follows ETSI EN 319 522-3's names where they fit.
//
// Where it is simplified (so the document uses Namespace, not ETSI's
// http://uri.etsi.org/19522/v1#): the issuer, sender and recipient details are
// flat (name, domain or address, kind, level) instead of ETSI's identity and
// address structures; there is one recipient per document, as De-Mail
// confirms per recipient; the content is one digest over the letter as stored
// instead of a list of parts; there is no policy identifier and no enveloped
// XML signature, since the signature is the CMS around the document. The
// Siegel additions are the login levels, the account kinds, the sender's file
// number and the consignment time.
type Evidence struct {
	Event     Event     // [ERDSEventId]
	ID        string    // [EvidenceIdentifier], unique per provider; see NewID
	Reasons   []Reason  // [EventReasons], at least one on a negative event
	EventTime time.Time // [EventTime]: when the event happened

	// SubmissionTime [SubmissionTime] is when the letter was dispatched from the
	// sender's mailbox, the time the dispatch confirmation names (DMG §5(7) Nr. 2).
	SubmissionTime time.Time
	// ConsignmentTime [ConsignmentTime] is when the letter was stored in the
	// recipient's mailbox. The pickup confirmation names it besides the login
	// time (DMG §5(9) Nr. 2; TR PVD-IO §3.5.1 "DeliveryTime"); it is required
	// on ContentHandover, allowed on ContentHandoverFailure, and absent
	// otherwise (on ContentConsignment it is the event time).
	ConsignmentTime time.Time

	Issuer    Issuer // [EvidenceIssuerDetails]
	Sender    Party  // [SenderDetails]
	Recipient Party  // [RecipientDetails]

	MessageID string // [MessageIdentifier]: X-de-mail-message-id
	// PrivateID [SenderFileNumber] is the sender's file number, "" when none;
	// copied into every confirmation (TR PVD-IO §3.1.17).
	PrivateID string
	// ContentDigest [UserContentInfo/DigestValue] is the SHA-256 of the letter
	// as stored (DMG §5(7) Nr. 4 "Prüfsumme"); DigestMethod is DigestSHA256.
	ContentDigest [sha256.Size]byte
}

// Limits of a document and of its fields, in bytes unless said otherwise.
const (
	MaxDocument   = 64 << 10 // the whole XML document; Parse refuses more
	MaxID         = 256      // evidence and message identifiers, reason codes
	MaxText       = 1024     // names, reason details: characters
	MaxPrivateID  = 1024     // characters, as X-de-mail-private-id (TR PVD-IO §3.1.17)
	MaxReasons    = 16
	MaxCertBytes  = 16 << 10 // DER of the issuer certificate
	maxAddress    = 253      // SPEC "Addresses": whole address ≤ 253
	maxDomainName = 253
)

// NewID returns a fresh evidence identifier: 26 base32 characters, 130 random bits.
func NewID() string { return rand.Text() }

// FieldError is a broken rule in an evidence document, naming its element by
// path, e.g. "SenderDetails/ElectronicAddress".
type FieldError struct {
	Element string // "" for the document as a whole
	Problem string
}

func (e *FieldError) Error() string {
	if e.Element == "" {
		return "evidence: " + e.Problem
	}
	return "evidence: <" + e.Element + ">: " + e.Problem
}

func fieldErr(element, format string, args ...any) error {
	return &FieldError{Element: element, Problem: fmt.Sprintf(format, args...)}
}

// Check reports the first rule e breaks, naming its XML element. Marshal and
// Parse both apply it, so every document Siegel writes or accepts passes it.
func (e *Evidence) Check() error {
	if !e.Event.Valid() {
		return fieldErr("ERDSEventId", "unknown event %q", string(e.Event))
	}
	if err := checkToken("EvidenceIdentifier", e.ID, MaxID); err != nil {
		return err
	}
	if err := e.checkReasons(); err != nil {
		return err
	}
	if err := e.checkTimes(); err != nil {
		return err
	}
	if err := checkIssuer(&e.Issuer); err != nil {
		return err
	}
	if err := checkParty("SenderDetails", &e.Sender); err != nil {
		return err
	}
	if err := checkParty("RecipientDetails", &e.Recipient); err != nil {
		return err
	}
	if err := e.checkEventRules(); err != nil {
		return err
	}
	if err := checkToken("MessageIdentifier", e.MessageID, MaxID); err != nil {
		return err
	}
	if e.PrivateID != "" {
		if err := checkText("SenderFileNumber", e.PrivateID, MaxPrivateID); err != nil {
			return err
		}
	}
	return nil
}

func (e *Evidence) checkReasons() error {
	// ETSI EN 319 522-2: a negative event carries the reason; a rejection
	// without a reason is of no use to the party it is issued against.
	if e.Event.Negative() && len(e.Reasons) == 0 {
		return fieldErr("EventReasons", "required on %s", e.Event.Name())
	}
	if len(e.Reasons) > MaxReasons {
		return fieldErr("EventReasons", "%d reasons, at most %d", len(e.Reasons), MaxReasons)
	}
	for _, r := range e.Reasons {
		if err := checkToken("EventReasons/EventReason/Code", r.Code, MaxID); err != nil {
			return err
		}
		if err := checkText("EventReasons/EventReason/Details", r.Details, MaxText); err != nil {
			return err
		}
	}
	return nil
}

func (e *Evidence) checkTimes() error {
	if err := checkTime("EventTime", e.EventTime); err != nil {
		return err
	}
	if err := checkTime("SubmissionTime", e.SubmissionTime); err != nil {
		return err
	}
	if e.SubmissionTime.After(e.EventTime) {
		return fieldErr("SubmissionTime", "%s is after the event time %s", stamp(e.SubmissionTime), stamp(e.EventTime))
	}
	if e.ConsignmentTime.IsZero() {
		if e.Event == ContentHandover {
			// DMG §5(9) Nr. 2: the pickup confirmation names the arrival time.
			return fieldErr("ConsignmentTime", "required on %s", e.Event.Name())
		}
		return nil
	}
	if e.Event != ContentHandover && e.Event != ContentHandoverFailure {
		return fieldErr("ConsignmentTime", "not allowed on %s", e.Event.Name())
	}
	if err := checkTime("ConsignmentTime", e.ConsignmentTime); err != nil {
		return err
	}
	if e.ConsignmentTime.Before(e.SubmissionTime) || e.ConsignmentTime.After(e.EventTime) {
		return fieldErr("ConsignmentTime", "%s is not between the submission time %s and the event time %s",
			stamp(e.ConsignmentTime), stamp(e.SubmissionTime), stamp(e.EventTime))
	}
	return nil
}

// checkEventRules enforces what the law says a confirmation shows.
func (e *Evidence) checkEventRules() error {
	switch e.Event {
	case SubmissionAcceptance:
		// TR PVD-IO §3.1.9: X-de-mail-auth-level is set on every letter, so
		// the dispatch confirmation knows the sender's level.
		if e.Sender.Level == "" {
			return fieldErr("SenderDetails/LoginLevel", "required on %s", e.Event.Name())
		}
	case ContentHandover:
		// DMG §5(9): the pickup confirmation shows that the recipient logged in
		// securely (DMG §4) after the letter arrived.
		if e.Recipient.Level != account.High {
			return fieldErr("RecipientDetails/LoginLevel", "must be %q on %s, not %q", account.High, e.Event.Name(), e.Recipient.Level)
		}
	}
	return nil
}

func checkIssuer(is *Issuer) error {
	if err := checkText("EvidenceIssuerDetails/Name", is.Name, MaxText); err != nil {
		return err
	}
	if err := checkDomain("EvidenceIssuerDetails/Domain", is.Domain); err != nil {
		return err
	}
	if len(is.Certificate) == 0 {
		return fieldErr("EvidenceIssuerDetails/X509Certificate", "missing")
	}
	if len(is.Certificate) > MaxCertBytes {
		return fieldErr("EvidenceIssuerDetails/X509Certificate", "%d bytes, at most %d", len(is.Certificate), MaxCertBytes)
	}
	return nil
}

func checkParty(element string, p *Party) error {
	if err := checkAddress(element+"/ElectronicAddress", p.Address); err != nil {
		return err
	}
	if p.Name != "" {
		if err := checkText(element+"/DisplayName", p.Name, MaxText); err != nil {
			return err
		}
	}
	if p.Kind != "" && !p.Kind.Valid() {
		return fieldErr(element+"/AccountKind", "unknown kind %q", string(p.Kind))
	}
	if p.Level != "" && p.Level != account.Normal && p.Level != account.High {
		return fieldErr(element+"/LoginLevel", "unknown level %q", string(p.Level))
	}
	return nil
}

// checkTime refuses the zero time and years a dateTime in our form cannot carry.
func checkTime(element string, t time.Time) error {
	if t.IsZero() {
		return fieldErr(element, "missing")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fieldErr(element, "year %d out of range", y)
	}
	return nil
}

// checkToken: 1..max bytes of visible ASCII, no spaces: identifiers and codes.
func checkToken(element, s string, max int) error {
	if s == "" {
		return fieldErr(element, "missing")
	}
	if len(s) > max {
		return fieldErr(element, "%d bytes, at most %d", len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fieldErr(element, "byte %#02x at %d: only visible ASCII", s[i], i)
		}
	}
	return nil
}

// checkText: 1..max characters of UTF-8 that XML can carry and that read the
// same after an XML round trip: no control characters (so no line breaks,
// which XML parsers rewrite), and not U+FFFE or U+FFFF, which XML cannot
// carry at all (XML 1.0 §2.2). Spaces are kept as they are, so a file number
// reads in the confirmation as the sender wrote it (package letter allows
// what this allows, but for U+FFFE and U+FFFF).
func checkText(element, s string, max int) error {
	if s == "" {
		return fieldErr(element, "missing")
	}
	if !utf8.ValidString(s) {
		return fieldErr(element, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(element, "%d characters, at most %d", n, max)
	}
	for i, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff {
			return fieldErr(element, "control character %U at byte %d", r, i)
		}
	}
	return nil
}

// checkAddress is deliberately looser than package address: evidence must stay
// readable after the address rules change, so it checks the shape only
// (local@domain, visible ASCII, SPEC "Addresses" length).
func checkAddress(element, a string) error {
	if err := checkToken(element, a, maxAddress); err != nil {
		return err
	}
	at := strings.IndexByte(a, '@')
	if at <= 0 || at != strings.LastIndexByte(a, '@') || at == len(a)-1 {
		return fieldErr(element, "%q is not local@domain", a)
	}
	return nil
}

func checkDomain(element, d string) error {
	if d == "" {
		return fieldErr(element, "missing")
	}
	if len(d) > maxDomainName {
		return fieldErr(element, "%d bytes, at most %d", len(d), maxDomainName)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fieldErr(element, "%q is not a domain name", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fieldErr(element, "%q is not a lower-case domain name", d)
			}
		}
	}
	return nil
}
