package relay

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/cms"
	"github.com/siegel-mail/siegel/internal/letter"
)

// The S/MIME layer between providers (TR BInfra-IO §5, "domain encryption";
// RFC 8551 §3.4 with AuthEnvelopedData, RFC 5083): the whole message as the
// recipient sees it, header and body, becomes the encrypted content of an
// application/pkcs7-mime message whose own header says no more than the
// envelope does. The receiving provider alone can read it; TLS protects
// the hop, this protects the message wherever the hop ends.

// smimeType is the smime-type of AuthEnvelopedData (RFC 8551 §3.2.2).
const smimeType = "authEnveloped-data"

// seal encrypts msg to the receiving provider's certificate and wraps it
// for the handover.
func seal(msg []byte, from, to, id string, now time.Time, recipient *x509.Certificate) ([]byte, error) {
	der, err := cms.Encrypt(rand.Reader, msg, recipient)
	if err != nil {
		return nil, fmt.Errorf("encrypt to %s: %w", recipient.Subject.CommonName, err)
	}
	var b bytes.Buffer
	field := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	field("From", "<"+from+">")
	field("To", "<"+to+">")
	field("Date", now.Format(time.RFC1123Z))
	field("Message-ID", "<"+id+"@"+domainOf(from)+">")
	field("MIME-Version", "1.0")
	field(letter.HdrVersion, letter.Version)
	field("Content-Type", "application/pkcs7-mime; smime-type="+smimeType+"; name=smime.p7m")
	field("Content-Disposition", "attachment; filename=smime.p7m")
	field("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString(der)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// open undoes seal with this provider's key: it returns the message inside,
// or an error saying which part of the layer is wrong.
func open(raw []byte, cert *x509.Certificate, key *ecdsa.PrivateKey) ([]byte, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("Content-Type: %v", err)
	}
	if mt != "application/pkcs7-mime" && mt != "application/x-pkcs7-mime" {
		return nil, fmt.Errorf("Content-Type is %s, not application/pkcs7-mime: letters between providers are encrypted to the receiving provider (TR BInfra-IO §5)", mt)
	}
	if t := params["smime-type"]; t != "" && t != smimeType && t != "enveloped-data" {
		return nil, fmt.Errorf("smime-type is %s, not %s", t, smimeType)
	}
	if cte := m.Header.Get("Content-Transfer-Encoding"); !strings.EqualFold(strings.TrimSpace(cte), "base64") {
		return nil, fmt.Errorf("Content-Transfer-Encoding is %q, not base64", cte)
	}
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(m.Body); err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(body.Bytes()), nil)))
	if err != nil {
		return nil, fmt.Errorf("base64: %v", err)
	}
	inner, err := cms.Decrypt(der, cert, key)
	if err != nil {
		return nil, err
	}
	return inner, nil
}
