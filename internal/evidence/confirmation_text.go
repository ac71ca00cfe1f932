package evidence

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// How a confirmation message reads: the wording of each event, and the text
// part in German and English with every fact of the evidence, as the PDF
// shows them too (pdf.go).

// wording is how a confirmation of one event reads.
type wording struct {
	mailbox, msgType string
	prefix           string // of the Subject, before the letter's subject
	titleDE, titleEN string
	saysDE, saysEN   string // what happened, in a sentence
}

// wordingOf returns the wording of ev. The subject prefixes of failures
// are Siegel's choice, as the SPEC names only the confirmations':
// "*Ablehnung*" (the provider refused the letter), "*Zustellfehler*" (it
// could not be stored), and "*Zustellfiktion*" for a letter not picked up,
// as a pickup confirmation is only asked for formal service, where that
// means the letter is deemed served (VwZG §5a(4)). So are the prefixes of
// the handover to another provider (federation), which the SPEC names no
// confirmation for: "*Übergabebestätigung*" (the recipient's provider
// accepted the letter) and "*Übergabefehler*" (it could not be handed
// over); they belong to the dispatch family, as the sender's provider
// issues them.
func wordingOf(ev Event) (wording, bool) {
	switch ev {
	case SubmissionAcceptance:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Versandbestätigung*",
			"Versandbestätigung", "Confirmation of dispatch",
			"Die Nachricht hat das Postfach des Absenders verlassen und wurde versandt.",
			"The message left the sender's mailbox and was dispatched."}, true
	case SubmissionRejection:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Ablehnung*",
			"Ablehnung des Versands", "Dispatch refused",
			"Die Nachricht wurde nicht versandt: Der Anbieter des Absenders hat sie abgelehnt.",
			"The message was not dispatched: the sender's provider refused it."}, true
	case RelayAcceptance:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Übergabebestätigung*",
			"Übergabebestätigung", "Confirmation of handover",
			"Die Nachricht wurde dem Anbieter des Empfängers übergeben, der sie angenommen hat.",
			"The message was handed over to the recipient's provider, which accepted it."}, true
	case RelayFailure:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Übergabefehler*",
			"Übergabefehler", "Handover failure",
			"Die Nachricht konnte dem Anbieter des Empfängers nicht übergeben werden.",
			"The message could not be handed over to the recipient's provider."}, true
	case ContentConsignment:
		return wording{ReceiptMailbox, TypeReceiptConfirmation, "*Eingangsbestätigung*",
			"Eingangsbestätigung", "Confirmation of receipt",
			"Die Nachricht wurde im Postfach des Empfängers abgelegt.",
			"The message was stored in the recipient's mailbox."}, true
	case ContentConsignmentFailure:
		return wording{ReceiptMailbox, TypeReceiptConfirmation, "*Zustellfehler*",
			"Zustellfehler", "Delivery failure",
			"Die Nachricht konnte nicht im Postfach des Empfängers abgelegt werden.",
			"The message could not be stored in the recipient's mailbox."}, true
	case ContentHandover:
		return wording{PickupMailbox, TypeRetrieveConfirmation, "*Abholbestätigung*",
			"Abholbestätigung", "Confirmation of retrieval",
			"Der Empfänger hat sich nach dem Eingang der Nachricht mit dem Anmeldeniveau high an seinem Postfach angemeldet.",
			"The recipient logged in to the mailbox at level high after the message arrived."}, true
	case ContentHandoverFailure:
		return wording{PickupMailbox, TypeRetrieveConfirmation, "*Zustellfiktion*",
			"Zustellfiktion: nicht abgeholt", "Not picked up: deemed served",
			"Die Nachricht wurde nicht rechtzeitig abgeholt; bei förmlicher Zustellung gilt sie am dritten Tag nach dem Versand als zugestellt (VwZG §5a(4)).",
			"The message was not picked up in time; formal service deems it served on the third day after dispatch (VwZG §5a(4))."}, true
	}
	return wording{}, false
}

// language is what the text part says in one language besides the facts.
type language struct {
	de                    bool
	title, says, confirms string
	subject, noSubject    string
	signed, check, or     string // how to check the message
	file, root            string // placeholders in the commands
}

// confirmationText is the text part: what happened and the facts, in
// German, then in English, and how to check the message.
func confirmationText(c *Confirmation, w wording) string {
	facts := factsOf(c.Evidence)
	var b strings.Builder
	for i, l := range []language{
		{true, w.titleDE, w.saysDE, "bestätigt", "Betreff", "(ohne Betreff)",
			"Diese Nachricht ist mit dem Siegel des Ausstellers signiert (S/MIME). Der Anhang evidence.xml ist der Nachweis zur maschinellen Prüfung, evidence.pdf zeigt dieselben Angaben, evidence.p7m ist der Nachweis als eigenständig signierte Datei, etwa zur Vorlage bei Gericht.",
			"Prüfen Sie die Nachricht mit", "oder", "Nachricht.eml", "Wurzelzertifikat der Akkreditierungsstelle"},
		{false, w.titleEN, w.saysEN, "confirms", "Subject", "(no subject)",
			"This message is signed with the issuer's seal (S/MIME). The attachment evidence.xml is the evidence for machines, evidence.pdf shows the same facts, and evidence.p7m is the evidence as a file signed on its own, to hand to a court, for instance.",
			"Check the message with", "or", "message.eml", "the accreditation authority's root certificate"},
	} {
		if i > 0 {
			b.WriteString("\n-----\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n%s %s: %s\n\n", l.title, c.Evidence.Issuer.Name, l.confirms, l.says)
		subject := c.Subject
		if subject == "" {
			subject = l.noSubject
		}
		fmt.Fprintf(&b, "%s: %s\n", l.subject, subject)
		for _, f := range facts {
			label := f.en
			if l.de {
				label = f.de
			}
			fmt.Fprintf(&b, "%s: %s\n", label, f.value)
		}
		fmt.Fprintf(&b, "\n%s %s\n  siegel verify <%s> --root <%s>\n%s\n  openssl cms -verify -in <%s> -CAfile <%s> -purpose any\n",
			l.signed, l.check, l.file, l.root, l.or, l.file, l.root)
	}
	return b.String()
}

// fact is one line of what a confirmation shows: its label in German and in
// English, and its value.
type fact struct{ de, en, value string }

// factsOf lists every field of e, as the text part and the PDF show them.
func factsOf(e *Evidence) []fact {
	f := make([]fact, 0, 32)
	add := func(de, en, value string) {
		if value != "" {
			f = append(f, fact{de, en, value})
		}
	}
	add("Ereignis", "Event", string(e.Event))
	add("Nachweis-ID", "Evidence ID", e.ID)
	add("Zeitpunkt des Ereignisses", "Time of the event", timeText(e.EventTime))
	add("Zeitpunkt des Versands", "Time of dispatch", timeText(e.SubmissionTime))
	if !e.ConsignmentTime.IsZero() {
		add("Zeitpunkt des Eingangs", "Time of receipt", timeText(e.ConsignmentTime))
	}
	for _, r := range e.Reasons {
		add("Grund", "Reason", r.Code+": "+r.Details)
	}
	for _, p := range []struct {
		de, deOf, en string
		p            *Party
	}{{"Absender", "des Absenders", "Sender", &e.Sender}, {"Empfänger", "des Empfängers", "Recipient", &e.Recipient}} {
		add(p.de, p.en, p.p.Address)
		add("Name "+p.deOf, p.en+"'s name", p.p.Name)
		add("Kontoart "+p.deOf, p.en+"'s account kind", string(p.p.Kind))
		add("Anmeldeniveau "+p.deOf, p.en+"'s login level", string(p.p.Level))
	}
	add("Nachrichten-ID", "Message ID", e.MessageID)
	add("Aktenzeichen des Absenders", "Sender's file number", e.PrivateID)
	add("Prüfsumme der Nachricht", "Digest of the message", hex.EncodeToString(e.ContentDigest[:]))
	add("Prüfsummenverfahren", "Digest method", DigestSHA256)
	add("Aussteller", "Issuer", e.Issuer.Name)
	add("Domain des Ausstellers", "Issuer's domain", e.Issuer.Domain)
	subject := "(kein X.509-Zertifikat / not an X.509 certificate)"
	if cert, err := x509.ParseCertificate(e.Issuer.Certificate); err == nil {
		subject = cert.Subject.String()
	}
	add("Siegelzertifikat", "Seal certificate", subject)
	add("SHA-256-Fingerabdruck", "SHA-256 fingerprint", fingerprint(e.Issuer.Certificate))
	return f
}

// fingerprint is the SHA-256 of der as openssl x509 -fingerprint shows it.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// timeText shows t in UTC and in German legal time.
func timeText(t time.Time) string {
	const layout = "2006-01-02 15:04:05.999999999"
	return t.UTC().Format(layout) + " UTC (Berlin: " + germanTime(t).Format(layout+" -07:00") + ")"
}

// germanTime is t in German legal time (EinhZeitG §4): CET, UTC+1, and
// CEST, UTC+2, from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October (Directive 2000/84/EC Art. 2, 3). Computed
// here rather than read from a time zone database: the package reads no
// files, and the rule has held since 1996.
func germanTime(t time.Time) time.Time {
	t = t.UTC()
	start := lastSunday(t.Year(), time.March).Add(time.Hour)
	end := lastSunday(t.Year(), time.October).Add(time.Hour)
	if !t.Before(start) && t.Before(end) {
		return t.In(time.FixedZone("CEST", 2*3600))
	}
	return t.In(time.FixedZone("CET", 3600))
}

// lastSunday is midnight UTC of the last Sunday of month m in year y.
func lastSunday(y int, m time.Month) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC) // day 0: the last day of m
	return last.AddDate(0, 0, -int(last.Weekday()))
}
