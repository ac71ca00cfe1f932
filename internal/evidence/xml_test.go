package evidence

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml from Marshal")

// fakeCert stands in for a certificate where only the XML matters.
var fakeCert = []byte("not a certificate, but bytes Check accepts")

// equalEvidence compares two documents with times compared by instant.
func equalEvidence(a, b *Evidence) bool {
	if !a.EventTime.Equal(b.EventTime) || !a.SubmissionTime.Equal(b.SubmissionTime) || !a.ConsignmentTime.Equal(b.ConsignmentTime) {
		return false
	}
	x, y := *a, *b
	x.EventTime, x.SubmissionTime, x.ConsignmentTime = time.Time{}, time.Time{}, time.Time{}
	y.EventTime, y.SubmissionTime, y.ConsignmentTime = time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

func TestMarshalParseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, ev := range allEvents() {
		t.Run(ev.Name(), func(t *testing.T) {
			e := sample(ev, fakeCert)
			// Times in another zone and with nanoseconds come back as the same instant, in UTC.
			e.EventTime = e.EventTime.In(time.FixedZone("CET", 3600)).Add(123456789)
			doc := mustMarshal(t, e)
			got, err := Parse(doc)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, doc)
			}
			if !equalEvidence(got, e) {
				t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, e)
			}
			if got.EventTime.Location() != time.UTC {
				t.Errorf("EventTime in %v, want UTC", got.EventTime.Location())
			}
			if again := mustMarshal(t, got); !bytes.Equal(again, doc) {
				t.Fatalf("Marshal(Parse(doc)) differs from doc:\n%s\n%s", again, doc)
			}
		})
	}
}

// TestMarshalGolden keeps one document of each event in testdata, so the
// format is visible, reviewed in diffs, and quotable in docs/evidence.md.
func TestMarshalGolden(t *testing.T) {
	t.Parallel()
	for _, ev := range allEvents() {
		e := sample(ev, fakeCert)
		doc := mustMarshal(t, e)
		path := filepath.Join("testdata", ev.Name()+".xml")
		if *update {
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestMarshalGolden -update)", err)
		}
		if !bytes.Equal(doc, want) {
			t.Errorf("%s: Marshal differs from the golden file:\n%s", path, doc)
		}
		if _, err := Parse(want); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// mutate replaces old by new in a valid document, once.
func mutate(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	if bytes.Count(doc, []byte(old)) < 1 {
		t.Fatalf("%q not in the document", old)
	}
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	doc := mustMarshal(t, sample(SubmissionAcceptance, fakeCert))
	neg := mustMarshal(t, sample(ContentConsignmentFailure, fakeCert))
	big := append(bytes.Clone(doc), bytes.Repeat([]byte(" "), MaxDocument)...)
	tests := []struct {
		name    string
		doc     []byte
		element string // the element the error names
		problem string // a piece of the problem
	}{
		{"unknown event", mutate(t, doc, "Event/SubmissionAcceptance", "Event/RelayToNonERDS"), "ERDSEventId", "unknown event"},
		{"missing identifier", mutate(t, doc, "<EvidenceIdentifier>ev-7Q2KX4ZJ3M5N6P7R8S9T0V1W2Y</EvidenceIdentifier>", ""), "EvidenceIdentifier", "missing"},
		{"missing sender address", mutate(t, doc, "<ElectronicAddress>post@amt.siegel.example</ElectronicAddress>", ""), "SenderDetails/ElectronicAddress", "missing"},
		{"negative without reasons", dropBetween(t, neg, "  <EventReasons>", "</EventReasons>\n"), "EventReasons", "required on ContentConsignmentFailure"},
		{"empty reasons", mutate(t, dropBetween(t, neg, "  <EventReasons>", "</EventReasons>\n"), "  <EventTime>", "<EventReasons> </EventReasons><EventTime>"), "EventReasons", "empty"},
		{"duplicate element", mutate(t, doc, "<EventTime>", "<EventTime>2025-03-01T12:00:00Z</EventTime><EventTime>"), "EventTime", "duplicate"},
		{"duplicate nested", mutate(t, doc, "<DisplayName>", "<DisplayName>X</DisplayName><DisplayName>"), "SenderDetails/DisplayName", "duplicate"},
		{"out of order", mutate(t, mutate(t, doc, "<EvidenceIdentifier>ev-7Q2KX4ZJ3M5N6P7R8S9T0V1W2Y</EvidenceIdentifier>", ""),
			"</UserContentInfo>", "</UserContentInfo><EvidenceIdentifier>x</EvidenceIdentifier>"), "EvidenceIdentifier", "out of order"},
		{"unknown element", mutate(t, doc, "<MessageIdentifier>", "<Foo>x</Foo><MessageIdentifier>"), "Foo", "unknown element"},
		{"unknown nested", mutate(t, doc, "<Domain>", "<Bar>x</Bar><Domain>"), "EvidenceIssuerDetails/Bar", "unknown element"},
		{"trailing data", append(bytes.Clone(doc), "<x/>"...), "", "second root"},
		{"stray end tag", append(bytes.Clone(doc), "</Evidence>"...), "", "without a start tag"},
		{"trailing text", append(bytes.Clone(doc), "junk"...), "", "outside the root"},
		{"oversize", big, "", "at most"},
		{"truncated", doc[:len(doc)/2], "SenderDetails", "malformed XML"},
		{"no namespace", mutate(t, doc, ` xmlns="`+Namespace+`"`, ""), "Evidence", "no namespace"},
		{"other namespace", mutate(t, doc, Namespace, "http://uri.etsi.org/19522/v1#"), "Evidence", "namespace"},
		{"prefixed", mutate(t, doc, "<Domain>siegel.example</Domain>", "<x:Domain>siegel.example</x:Domain>"), "EvidenceIssuerDetails/Domain", "prefixed"},
		{"other version", mutate(t, doc, `version="1"`, `version="2"`), "Evidence", "version"},
		{"attribute", mutate(t, doc, "<EventTime>", `<EventTime zone="x">`), "EventTime", "attribute"},
		{"doctype", mutate(t, doc, "<Evidence ", "<!DOCTYPE Evidence [<!ENTITY x \"y\">]><Evidence "), "", "DOCTYPE"},
		{"processing instruction", mutate(t, doc, "<Evidence ", "<?php x?><Evidence "), "", "processing instruction"},
		{"comment", mutate(t, doc, "<MessageIdentifier>", "<!-- hi --><MessageIdentifier>"), "Evidence", "comments"},
		{"mixed content", mutate(t, doc, "<MessageIdentifier>", "text<MessageIdentifier>"), "Evidence", "text mixed"},
		{"text in complex", mutate(t, doc, "<ElectronicAddress>post@amt.siegel.example</ElectronicAddress>", "x"), "SenderDetails", "text mixed"},
		{"text for elements", mutate(t, dropBetween(t, doc, "  <UserContentInfo>", "</UserContentInfo>\n"), "</Evidence>",
			"<UserContentInfo>abc</UserContentInfo></Evidence>"), "UserContentInfo", "text where elements"},
		{"element in leaf", mutate(t, doc, "<Name>Siegel", "<Name><b/>Siegel"), "EvidenceIssuerDetails/Name", "text mixed"},
		{"empty optional", mutate(t, doc, "<SenderFileNumber>Az. 4711/2025 – Müller</SenderFileNumber>", "<SenderFileNumber></SenderFileNumber>"), "SenderFileNumber", "empty"},
		{"offset time", mutate(t, doc, "<EventTime>2025-03-01T12:00:00Z", "<EventTime>2025-03-01T13:00:00+01:00"), "EventTime", "not a UTC time"},
		{"trailing zero", mutate(t, doc, "<EventTime>2025-03-01T12:00:00Z", "<EventTime>2025-03-01T12:00:00.0Z"), "EventTime", "not a UTC time"},
		{"bad time", mutate(t, doc, "<EventTime>2025-03-01T12:00:00Z", "<EventTime>yesterday"), "EventTime", "not a UTC time"},
		{"submission after event", mutate(t, doc, "<SubmissionTime>2025-03-01T11:58:30Z", "<SubmissionTime>2025-03-01T12:58:30Z"), "SubmissionTime", "after the event time"},
		{"digest method", mutate(t, doc, DigestSHA256, "http://www.w3.org/2000/09/xmldsig#sha1"), "UserContentInfo/DigestMethod", "unsupported"},
		{"short digest", mutate(t, doc, "<DigestValue>", "<DigestValue>AAAA"), "UserContentInfo/DigestValue", ""},
		{"folded base64", mutate(t, doc, "<X509Certificate>", "<X509Certificate>\n"), "EvidenceIssuerDetails/X509Certificate", "not base64"},
		{"control character", mutate(t, doc, "Erika Mustermann", "Erika&#x9;Mustermann"), "RecipientDetails/DisplayName", "control character"},
		{"unknown kind", mutate(t, doc, "<AccountKind>person", "<AccountKind>robot"), "RecipientDetails/AccountKind", "unknown kind"},
		{"unknown level", mutate(t, doc, "<LoginLevel>high", "<LoginLevel>medium"), "SenderDetails/LoginLevel", "unknown level"},
		{"bad address", mutate(t, doc, "post@amt.siegel.example", "post.amt.siegel.example"), "SenderDetails/ElectronicAddress", "local@domain"},
		{"bad domain", mutate(t, doc, "<Domain>siegel.example", "<Domain>Siegel.Example"), "EvidenceIssuerDetails/Domain", "lower-case"},
		{"space in identifier", mutate(t, doc, "<MessageIdentifier>2025", "<MessageIdentifier>20 25"), "MessageIdentifier", "visible ASCII"},
		{"latin-1", mutate(t, doc, `encoding="UTF-8"`, `encoding="ISO-8859-1"`), "", "malformed XML"},
		{"unknown entity", mutate(t, doc, "Erika Mustermann", "Erika &nbsp; Mustermann"), "RecipientDetails/DisplayName", "malformed XML"},
		{"wrong close", mutate(t, doc, "</MessageIdentifier>", "</Message>"), "MessageIdentifier", "closed by"},
		{"not xml", []byte("\x30\x82\x01\x00"), "", ""},
		{"empty", nil, "", "no root"},
		{"other root", []byte(`<Evidenz xmlns="` + Namespace + `" version="1"/>`), "Evidenz", "unknown root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %v, want a *FieldError", err)
			}
			if fe.Element != tt.element || !strings.Contains(fe.Problem, tt.problem) {
				t.Fatalf("Parse = %v (element %q), want element %q and %q", err, fe.Element, tt.element, tt.problem)
			}
		})
	}
}

func dropBetween(t *testing.T, doc []byte, from, to string) []byte {
	t.Helper()
	i := bytes.Index(doc, []byte(from))
	j := bytes.Index(doc, []byte(to))
	if i < 0 || j < i {
		t.Fatalf("%q…%q not in the document", from, to)
	}
	return append(bytes.Clone(doc[:i]), doc[j+len(to):]...)
}

// TestCheckEventRules covers the rules that tie fields to events.
func TestCheckEventRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(*Evidence)
		element string
	}{
		{"handover without consignment time", func(e *Evidence) { e.Event = ContentHandover; e.Recipient.Level = account.High }, "ConsignmentTime"},
		{"handover at normal", func(e *Evidence) {
			e.Event, e.ConsignmentTime, e.Recipient.Level = ContentHandover, e.EventTime, account.Normal
		}, "RecipientDetails/LoginLevel"},
		{"consignment time on acceptance", func(e *Evidence) { e.ConsignmentTime = e.EventTime }, "ConsignmentTime"},
		{"consignment before submission", func(e *Evidence) {
			e.Event, e.Reasons, e.ConsignmentTime = ContentHandoverFailure, []Reason{{"x", "y"}}, e.SubmissionTime.Add(-time.Second)
		}, "ConsignmentTime"},
		{"acceptance without sender level", func(e *Evidence) { e.Sender.Level = "" }, "SenderDetails/LoginLevel"},
		{"rejection without reason", func(e *Evidence) { e.Event = SubmissionRejection }, "EventReasons"},
		{"handover failure without reason", func(e *Evidence) { e.Event, e.ConsignmentTime = ContentHandoverFailure, e.EventTime }, "EventReasons"},
		{"relay failure without reason", func(e *Evidence) { e.Event = RelayFailure }, "EventReasons"},
		{"consignment time on relay acceptance", func(e *Evidence) { e.Event, e.ConsignmentTime = RelayAcceptance, e.EventTime }, "ConsignmentTime"},
		{"consignment time on relay failure", func(e *Evidence) {
			e.Event, e.Reasons, e.ConsignmentTime = RelayFailure, []Reason{{ReasonRelay, "y"}}, e.EventTime
		}, "ConsignmentTime"},
		{"reason without details", func(e *Evidence) { e.Reasons = []Reason{{Code: "x"}} }, "EventReasons/EventReason/Details"},
		{"too many reasons", func(e *Evidence) { e.Reasons = make([]Reason, MaxReasons+1) }, "EventReasons"},
		{"zero event time", func(e *Evidence) { e.EventTime = time.Time{} }, "EventTime"},
		{"year 10000", func(e *Evidence) { e.EventTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "EventTime"},
		{"long private id", func(e *Evidence) { e.PrivateID = strings.Repeat("ü", MaxPrivateID+1) }, "SenderFileNumber"},
		{"non-character", func(e *Evidence) { e.PrivateID = "Az.\uffff" }, "SenderFileNumber"},
		{"line break", func(e *Evidence) { e.Reasons = []Reason{{"x", "a\nb"}} }, "EventReasons/EventReason/Details"},
		{"invalid UTF-8", func(e *Evidence) { e.Issuer.Name = "\xff" }, "EvidenceIssuerDetails/Name"},
		{"no certificate", func(e *Evidence) { e.Issuer.Certificate = nil }, "EvidenceIssuerDetails/X509Certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample(SubmissionAcceptance, fakeCert)
			tt.change(e)
			_, err := Marshal(e)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Element != tt.element {
				t.Fatalf("Marshal = %v, want an error naming <%s>", err, tt.element)
			}
		})
	}
}

// TestTextKeepsSpaces: text is carried as written, spaces included, so a
// file number reads in the confirmation as the sender typed it.
func TestTextKeepsSpaces(t *testing.T) {
	t.Parallel()
	e := sample(SubmissionAcceptance, fakeCert)
	e.PrivateID, e.Sender.Name = "  Az.  4711 ", " "
	got, err := Parse(mustMarshal(t, e))
	if err != nil {
		t.Fatal(err)
	}
	if got.PrivateID != e.PrivateID || got.Sender.Name != " " {
		t.Fatalf("Parse = %q, %q", got.PrivateID, got.Sender.Name)
	}
}

// TestEventKinds: every event is valid, the failures are negative, and an
// event of ETSI EN 319 522 that Siegel does not issue is not valid.
func TestEventKinds(t *testing.T) {
	t.Parallel()
	negative := map[Event]bool{SubmissionRejection: true, RelayFailure: true, ContentConsignmentFailure: true, ContentHandoverFailure: true}
	for _, ev := range allEvents() {
		if !ev.Valid() || ev.Negative() != negative[ev] {
			t.Errorf("%s: valid %v, negative %v", ev.Name(), ev.Valid(), ev.Negative())
		}
	}
	if ev := Event(eventPrefix + "RelayToNonERDS"); ev.Valid() {
		t.Errorf("%s is valid", ev.Name())
	}
}

func TestPositiveEventMayCarryReasons(t *testing.T) {
	t.Parallel()
	e := sample(ContentConsignment, fakeCert)
	e.Reasons = []Reason{{Code: "note", Details: "Stored after one retry."}}
	got, err := Parse(mustMarshal(t, e))
	if err != nil || !equalEvidence(got, e) {
		t.Fatalf("Parse = %+v, %v", got, err)
	}
}

func TestNewIDUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if seen[id] || checkToken("EvidenceIdentifier", id, MaxID) != nil {
			t.Fatalf("NewID gave %q twice or invalid", id)
		}
		seen[id] = true
	}
}
