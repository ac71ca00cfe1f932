package evidence

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// tokenInfo is what a verified time-stamp token says.
type tokenInfo struct {
	genTime time.Time
	cert    *x509.Certificate // the TSA's
}

// verifyToken checks the signature-time-stamp of an evidence file: the token
// is a TimeStampToken over a TSTInfo (RFC 3161 §2.4.2), signed by the TSA
// certificate it carries, which its ESS signing-certificate attribute names
// (RFC 3161 §2.4.1, RFC 5816); its imprint is SHA-256 of the evidence's
// signature value (RFC 3161 Appendix A); and the TSA certificate chains to
// roots at genTime with the timeStamping purpose (RFC 3161 §2.3).
func verifyToken(token, sig []byte, roots *x509.CertPool) (*tokenInfo, error) {
	tst, err := tstInfoOf(token) // DER, and a TSTInfo inside
	if err != nil {
		return nil, failf(CheckTimestamp, "%v", err)
	}
	ts, p7, err := parseToken(token)
	if err != nil {
		return nil, failf(CheckTimestamp, "%v", err)
	}
	// pkcs7.Parse turns BER into DER first. Make sure it read the bytes that
	// are in the file, not a repaired version of them.
	if !bytes.Equal(p7.Content, tst) {
		return nil, failf(CheckTimestamp, "the token's TSTInfo does not read back as it is stored")
	}
	for _, c := range p7.Certificates {
		if !bytes.Contains(token, c.Raw) {
			return nil, failf(CheckTimestamp, "a certificate in the token does not read back as it is stored")
		}
	}
	tsa := p7.GetOnlySigner()
	if tsa == nil {
		return nil, failf(CheckTimestamp, "the token does not carry exactly one signer with its certificate")
	}
	if err := checkTokenESS(p7, tsa); err != nil {
		return nil, failf(CheckTimestamp, "%v", err)
	}
	imprint := sha256.Sum256(sig)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, imprint[:]) {
		return nil, failf(CheckTimestampImprint, "the token is over %v %x, not over SHA-256 of this signature, %x",
			ts.HashAlgorithm, ts.HashedMessage, imprint)
	}
	if err := checkTSAChain(tsa, p7.Certificates, roots, ts.Time); err != nil {
		return nil, err
	}
	return &tokenInfo{genTime: ts.Time.UTC(), cert: tsa}, nil
}

// parseToken runs the digitorus parsers on a token. timestamp.Parse checks the
// TSA's signature over the TSTInfo when the token carries certificates; we
// require that it does. The libraries were not written for hostile input, so a
// panic in them is turned into an error here: Verify must never panic.
func parseToken(token []byte) (ts *timestamp.Timestamp, p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			ts, p7, err = nil, nil, fmt.Errorf("malformed token (the parser failed: %v)", r)
		}
	}()
	p7, err = pkcs7.Parse(token)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed token: %v", err)
	}
	if len(p7.Certificates) == 0 {
		return nil, nil, fmt.Errorf("the token carries no TSA certificate, so it cannot be checked offline")
	}
	ts, err = timestamp.Parse(token)
	if err != nil {
		return nil, nil, fmt.Errorf("the TSA signature: %v", err)
	}
	return ts, p7, nil
}

// essCertIDv2 and essCertID are RFC 5035 §3 and RFC 2634 §5.4.1, parsed with
// encoding/asn1 because pkcs7 hands out signed attributes only that way.
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

type essCertID struct {
	CertHash     []byte
	IssuerSerial asn1.RawValue `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

// checkTokenESS checks that the token's ESS signing-certificate(-v2)
// attribute names the certificate that signed it: RFC 3161 §2.4.1 requires
// one, and without it a certificate for the same key could be substituted.
func checkTokenESS(p7 *pkcs7.PKCS7, tsa *x509.Certificate) error {
	var v2 signingCertificateV2
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}, &v2); err == nil {
		if len(v2.Certs) == 0 {
			return fmt.Errorf("signing-certificate-v2 in the token names no certificate")
		}
		id := v2.Certs[0]
		var sum []byte
		switch alg := id.HashAlgorithm.Algorithm; {
		case len(alg) == 0 || alg.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}):
			h := sha256.Sum256(tsa.Raw)
			sum = h[:]
		case alg.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}):
			h := sha512.Sum384(tsa.Raw)
			sum = h[:]
		case alg.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}):
			h := sha512.Sum512(tsa.Raw)
			sum = h[:]
		default:
			return fmt.Errorf("signing-certificate-v2 in the token uses hash %v", alg)
		}
		if !bytes.Equal(sum, id.CertHash) {
			return fmt.Errorf("signing-certificate-v2 in the token does not name the TSA certificate %s", tsa.Subject)
		}
		return nil
	}
	var v1 signingCertificate
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}, &v1); err != nil {
		return fmt.Errorf("the token has no ESS signing-certificate attribute (RFC 3161 §2.4.1)")
	}
	h := sha1.Sum(tsa.Raw)
	if len(v1.Certs) == 0 || !bytes.Equal(h[:], v1.Certs[0].CertHash) {
		return fmt.Errorf("signing-certificate in the token does not name the TSA certificate %s", tsa.Subject)
	}
	return nil
}

// checkTSAChain checks the TSA certificate at the time-stamp's time. RFC 3161
// §2.3: its extended key usage is timeStamping only, marked critical.
func checkTSAChain(tsa *x509.Certificate, certs []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range certs {
		if c != tsa {
			inter.AddCert(c)
		}
	}
	_, err := tsa.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return failf(CheckTimestampChain, "the TSA certificate %s at %s: %v", tsa.Subject, stamp(at), err)
	}
	if len(tsa.ExtKeyUsage) != 1 || tsa.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(tsa.UnknownExtKeyUsage) != 0 {
		return failf(CheckTimestampChain, "the TSA certificate %s may be used for more than time-stamping", tsa.Subject)
	}
	for _, ext := range tsa.Extensions {
		if ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) && !ext.Critical {
			return failf(CheckTimestampChain, "the TSA certificate's extended key usage is not marked critical")
		}
	}
	return nil
}
