package letter

import (
	"mime"
	"strings"
)

// End-to-end protection of a letter's content by the sender's client, as its
// top-level Content-Type shows it (TR PVD-FU §3.2.2). A provider passes such a
// letter on unchanged; only the recipient's client can check the signature or
// decrypt.
const (
	SMIMESigned      = "smime-signed"      // RFC 8551: multipart/signed with application/pkcs7-signature, or pkcs7-mime signed-data
	SMIMEEncrypted   = "smime-encrypted"   // RFC 8551: application/pkcs7-mime enveloped-data or authEnveloped-data
	OpenPGPSigned    = "openpgp-signed"    // RFC 3156 §5: multipart/signed with application/pgp-signature
	OpenPGPEncrypted = "openpgp-encrypted" // RFC 3156 §4: multipart/encrypted with application/pgp-encrypted
)

// EndToEnd says how a message whose top-level Content-Type is ctype is
// protected end to end: one of SMIMESigned, SMIMEEncrypted, OpenPGPSigned,
// OpenPGPEncrypted, or "" when it is not (or in a way not recognised, such as
// inline OpenPGP in a text part). A message signed and then encrypted is
// encrypted: its signature is inside.
func EndToEnd(ctype string) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return ""
	}
	protocol := strings.ToLower(params["protocol"])
	switch mt {
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		switch strings.ToLower(params["smime-type"]) {
		case "signed-data":
			return SMIMESigned
		case "enveloped-data", "authenveloped-data", "":
			// RFC 8551 §3.2.2: without smime-type a receiver looks
			// inside; enveloped data is what it nearly always is.
			return SMIMEEncrypted
		}
	case "multipart/signed":
		switch protocol {
		case "application/pkcs7-signature", "application/x-pkcs7-signature":
			return SMIMESigned
		case "application/pgp-signature":
			return OpenPGPSigned
		}
	case "multipart/encrypted":
		if protocol == "application/pgp-encrypted" {
			return OpenPGPEncrypted
		}
	}
	return ""
}
