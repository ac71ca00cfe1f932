package cms

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	_ "crypto/sha256" // the digests Verify computes by crypto.Hash
	_ "crypto/sha512"
	"crypto/x509"
	"fmt"
)

// ParseCertificates parses the included certificates.
func (d *SignedData) ParseCertificates() ([]*x509.Certificate, error) {
	certs := make([]*x509.Certificate, len(d.Certificates))
	for i, raw := range d.Certificates {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, formatf("certificate %d: %v", i, err)
		}
		certs[i] = c
	}
	return certs, nil
}

// Verify checks the signature: detached content was given with Attach
// (ErrFormat); the signer's certificate is included
// (ErrNoSigner); the content-type attribute is the eContentType
// (ErrContentType); the message-digest attribute is the content's digest
// (ErrMessageDigest); a signing-certificate(-v2) attribute, if there is one,
// names the signer's certificate (ErrSigningCertificate); and the signature
// over the signed attributes verifies with that certificate's key
// (ErrSignature). It returns the signer's certificate and all included
// certificates, parsed, for the caller's chain check. Whom the certificate
// belongs to, and whether it may sign this content, is the caller's to
// decide.
func (d *SignedData) Verify() (signer *x509.Certificate, certs []*x509.Certificate, err error) {
	if d.Detached && !d.attached {
		// Else the digest of no content would be checked, and a signature
		// over empty content would pass for one over anything.
		return nil, nil, formatf("the content is detached and was not given (Attach)")
	}
	if certs, err = d.ParseCertificates(); err != nil {
		return nil, nil, err
	}
	if signer = d.findSigner(certs); signer == nil {
		return nil, nil, fmt.Errorf("%w: the SignerInfo names none of the %d certificates included", ErrNoSigner, len(certs))
	}
	if ct, _ := d.signedContentType(); !bytes.Equal(ct, d.contentType) {
		return nil, nil, fmt.Errorf("%w: the signed content type %s differs from the content's %v",
			ErrContentType, oidName(ct), d.ContentType)
	}
	h := d.DigestAlgorithm.New()
	h.Write(d.Content)
	if sum := h.Sum(nil); !bytes.Equal(sum, d.MessageDigest) {
		return nil, nil, fmt.Errorf("%w: the content hashes to %x, the signed attribute says %x (changed after signing)",
			ErrMessageDigest, sum, d.MessageDigest)
	}
	if err := d.checkSigningCertificate(signer); err != nil {
		return nil, nil, err
	}
	// RFC 5652 §5.4: the signature covers the signed attributes with the
	// SET OF tag, not the [0] IMPLICIT of the SignerInfo; the length octets
	// are the same.
	set := bytes.Clone(d.signedAttrsDER)
	set[0] = tagSet
	if err := signer.CheckSignature(d.SignatureAlgorithm, set, d.Signature); err != nil {
		return nil, nil, fmt.Errorf("%w: %s's signature over the signed attributes: %v", ErrSignature, signer.Subject, err)
	}
	return signer, certs, nil
}

// findSigner returns the included certificate the SignerInfo names, by issuer
// and serial number or by subject key identifier.
func (d *SignedData) findSigner(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if d.sid.ski != nil {
			if bytes.Equal(c.SubjectKeyId, d.sid.ski) {
				return c
			}
		} else if bytes.Equal(c.RawIssuer, d.sid.issuer) && sameSerial(c, d.sid.serial) {
			return c
		}
	}
	return nil
}

// sameSerial reports whether c's serial number is the INTEGER with content
// octets serial.
func sameSerial(c *x509.Certificate, serial []byte) bool {
	b, err := integerContents(c.SerialNumber)
	return err == nil && bytes.Equal(b, serial)
}

// checkSigningCertificate checks that the signing-certificate attributes
// present name the signer's certificate: its hash is the first ESSCertID's,
// and so are issuer and serial number where given (RFC 5035 §5.4.1). Without
// it, a certificate for the same key could be substituted.
func (d *SignedData) checkSigningCertificate(signer *x509.Certificate) error {
	for _, a := range []struct {
		oid string
		v2  bool
	}{{oidSigningCertificateV2, true}, {oidSigningCertificate, false}} {
		v, ok := d.SignedAttrs.get(a.oid)
		var e essCertID
		if !ok {
			continue
		}
		if !readESS(v, a.v2, &e) {
			return formatf("malformed signing-certificate attribute") // Parse checked it
		}
		var sum []byte
		if e.hash == crypto.SHA1 {
			// ESSCertID is SHA-1 by definition; here it identifies, it
			// does not carry the signature's strength.
			s := sha1.Sum(signer.Raw)
			sum = s[:]
		} else {
			h := e.hash.New()
			h.Write(signer.Raw)
			sum = h.Sum(nil)
		}
		if !bytes.Equal(sum, e.certHash) {
			return fmt.Errorf("%w: it names another certificate than the signer's, %s", ErrSigningCertificate, signer.Subject)
		}
		if e.serial != nil && (!sameSerial(signer, e.serial) || !bytes.Equal(e.issuer, signer.RawIssuer)) {
			return fmt.Errorf("%w: it names another issuer and serial number than the signer's", ErrSigningCertificate)
		}
	}
	return nil
}

// HasSigningCertificate reports whether a signing-certificate-v2 or
// signing-certificate attribute is signed: RFC 3161 §2.4.1 requires one in a
// token, CAdES (ETSI EN 319 122-1 §5.2.2) the first in every signature.
func (d *SignedData) HasSigningCertificate() bool {
	_, v2 := d.SignedAttrs.get(oidSigningCertificateV2)
	_, v1 := d.SignedAttrs.get(oidSigningCertificate)
	return v2 || v1
}
