package providertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/store"
)

// EndToEndKinds are the kinds of end-to-end protection EndToEndLetter makes
// (letter.EndToEnd).
var EndToEndKinds = []string{letter.SMIMESigned, letter.SMIMEEncrypted, letter.OpenPGPSigned, letter.OpenPGPEncrypted}

// EndToEndLetter is a letter as another provider hands it over when its
// sender's client signed or encrypted the content (TR PVD-FU §3.2.2): the
// provider's header fields, and a body in the MIME structure of S/MIME
// (RFC 8551) or OpenPGP (RFC 3156) of kind. The cryptographic parts are
// stand-ins: a provider neither checks nor opens them. The body holds what a
// careless relay would change (trailing spaces, a line starting with a dot,
// a "From " line), and its integrity value is the body hash.
func EndToEndLetter(kind, from, to, provider, subject string, now time.Time) ([]byte, error) {
	m, err := letter.Build(letter.Draft{MessageID: store.NewID(now), From: from, To: []string{to}, Subject: subject,
		Text: "x", AuthLevel: account.Normal, Provider: provider, Date: now})
	if err != nil {
		return nil, err
	}
	head := m.Header(letter.ViewRecipient, "")
	i := bytes.Index(head, []byte(letter.HdrIntegrity+":"))
	if i < 0 {
		return nil, fmt.Errorf("no %s in the built header", letter.HdrIntegrity)
	}
	ctype, body := endToEndBody(kind)
	sum := sha256.Sum256(body)
	out := append([]byte(nil), head[:i]...)
	out = fmt.Appendf(out, "%s: v=1; a=sha256; c=simple/simple; bh=%s\r\n", letter.HdrIntegrity,
		base64.StdEncoding.EncodeToString(sum[:]))
	out = append(out, ctype...)
	out = append(out, "\r\n"...)
	return append(out, body...), nil
}

// endToEndBody gives the top-level MIME fields (CRLF-separated, without the
// blank line) and the body of kind.
func endToEndBody(kind string) (fields string, body []byte) {
	const signed = "Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"Signed text with two trailing spaces  \r\n.a line that starts with a dot\r\nFrom the start of a line\r\n"
	switch kind {
	case letter.SMIMESigned:
		return "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n boundary=\"sig-b\"\r\n",
			[]byte("This is an S/MIME signed message\r\n\r\n--sig-b\r\n" + signed + "--sig-b\r\n" +
				"Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n" +
				"Content-Disposition: attachment; filename=smime.p7s\r\n\r\n" +
				b64lines([]byte("\x30\x80\x06\x09signed-data stand-in")) + "--sig-b--\r\n")
	case letter.SMIMEEncrypted:
		return "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
				"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=smime.p7m\r\n",
			[]byte(b64lines(bytes.Repeat([]byte("\x30\x80\x06\x09enveloped"), 12)))
	case letter.OpenPGPSigned:
		return "Content-Type: multipart/signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\"; boundary=\"pgp-b\"\r\n",
			[]byte("--pgp-b\r\n" + signed + "--pgp-b\r\n" +
				"Content-Type: application/pgp-signature; name=signature.asc\r\n" +
				"Content-Disposition: attachment; filename=signature.asc\r\n\r\n" +
				"-----BEGIN PGP SIGNATURE-----\r\n\r\niHUEARYKAB0WIQTfake\r\n=abcd\r\n-----END PGP SIGNATURE-----\r\n\r\n--pgp-b--\r\n")
	case letter.OpenPGPEncrypted:
		return "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n boundary=\"enc-b\"\r\n",
			[]byte("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n--enc-b\r\n" +
				"Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\n" +
				"Version: 1\r\n\r\n--enc-b\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n" +
				"Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n" +
				"-----BEGIN PGP MESSAGE-----\r\n\r\nhF4DfakeEncryptedSessionKey\r\n=wxyz\r\n-----END PGP MESSAGE-----\r\n\r\n--enc-b--\r\n")
	}
	return "Content-Type: text/plain; charset=us-ascii\r\n", []byte("not protected\r\n")
}

// b64lines is data in base64, in lines of 76 characters, each ending in CRLF.
func b64lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}
