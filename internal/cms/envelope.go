package cms

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Domain encryption: each letter a provider sends to another is encrypted to
// the receiving provider's domain certificate (SPEC "Transport between
// providers"), as CMS AuthEnvelopedData (RFC 5083) with AES-GCM (RFC 5084)
// and one KeyAgreeRecipientInfo for ephemeral-static ECDH on P-256
// (RFC 5753 §3.1). This file writes it; envelope_parse.go reads it.

// Object identifiers of the envelope, as content octets (see der.go).
const (
	oidAuthEnvelopedData = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x17" // 1.2.840.113549.1.9.16.1.23, RFC 5083 §2.1
	oidECPublicKey       = "\x2a\x86\x48\xce\x3d\x02\x01"                 // 1.2.840.10045.2.1, RFC 5480 §2.1.1
	oidP256              = "\x2a\x86\x48\xce\x3d\x03\x01\x07"             // 1.2.840.10045.3.1.7 secp256r1, RFC 5480 §2.1.1.1
	oidECDHSHA1KDF       = "\x2b\x81\x05\x10\x86\x48\x3f\x00\x02"         // 1.3.133.16.840.63.0.2, RFC 5753 §7.1.4
	oidECDHSHA224KDF     = "\x2b\x81\x04\x01\x0b\x00"                     // 1.3.132.1.11.0, RFC 5753 §7.1.4
	oidECDHSHA256KDF     = "\x2b\x81\x04\x01\x0b\x01"                     // 1.3.132.1.11.1, RFC 5753 §7.1.4
	oidECDHSHA384KDF     = "\x2b\x81\x04\x01\x0b\x02"                     // 1.3.132.1.11.2, RFC 5753 §7.1.4
	oidECDHSHA512KDF     = "\x2b\x81\x04\x01\x0b\x03"                     // 1.3.132.1.11.3, RFC 5753 §7.1.4
	oidAES128Wrap        = "\x60\x86\x48\x01\x65\x03\x04\x01\x05"         // 2.16.840.1.101.3.4.1.5, RFC 3565 §2.3.2
	oidAES192Wrap        = "\x60\x86\x48\x01\x65\x03\x04\x01\x19"         // 2.16.840.1.101.3.4.1.25, RFC 3565 §2.3.2
	oidAES256Wrap        = "\x60\x86\x48\x01\x65\x03\x04\x01\x2d"         // 2.16.840.1.101.3.4.1.45, RFC 3565 §2.3.2
	oidAES128GCM         = "\x60\x86\x48\x01\x65\x03\x04\x01\x06"         // 2.16.840.1.101.3.4.1.6, RFC 5084 §3.2
	oidAES192GCM         = "\x60\x86\x48\x01\x65\x03\x04\x01\x1a"         // 2.16.840.1.101.3.4.1.26, RFC 5084 §3.2
	oidAES256GCM         = "\x60\x86\x48\x01\x65\x03\x04\x01\x2e"         // 2.16.840.1.101.3.4.1.46, RFC 5084 §3.2
)

// DER tags the envelope adds to those of der.go (X.690 §8.1.2).
const (
	tagBitString      = 0x03
	tagNull           = 0x05
	tagContext0Prim   = 0x80 // [0] IMPLICIT OCTET STRING: encryptedContent
	tagContext2       = 0xa2 // [2] constructed: suppPubInfo
	derVersion0       = "\x02\x01\x00"
	derGCMTagLen      = "\x02\x01\x10" // aes-ICVlen 16 (RFC 5084 §3.2)
	derAlgECPublicKey = "\x30\x09\x06\x07" + oidECPublicKey
)

// Sizes and bounds of the envelope.
const (
	// maxEnvelope bounds what Decrypt reads and Encrypt writes: a letter
	// between providers is at most 45 MiB (SPEC), the envelope adds a few
	// hundred bytes, and more is refused before anything is parsed.
	maxEnvelope = 64 << 20
	// gcmNonceSize is the aes-nonce length RFC 5084 §3.2 recommends, the
	// only one written or read.
	gcmNonceSize = 12
	// gcmTagSize is aes-ICVlen. RFC 5084 §3.2 allows 12 to 16 octets; the
	// full tag is written and the only one read.
	gcmTagSize = 16
	// p256PointSize is an uncompressed P-256 point, 04 ‖ x ‖ y (SEC 1 §2.3.3).
	p256PointSize = 65
	// maxUKM bounds the userKeyingMaterial read (RFC 5753 §3.1.1 sets none;
	// senders that use it write 64 bytes or so).
	maxUKM = 1024
)

// profile is a choice of the algorithms of an envelope. Encrypt writes
// Siegel's; the others exist so that tests can write what other senders,
// such as OpenSSL with its defaults, do and Decrypt accepts.
type profile struct {
	kdf       string // keyEncryptionAlgorithm: dhSinglePass-stdDH-sha*kdf-scheme
	wrap      string // its parameter: id-aes*-wrap, parameters absent
	content   string // contentEncryptionAlgorithm: id-aes*-GCM
	ukm       []byte // userKeyingMaterial; nil for none
	keyParams string // parameters of the originator key's algorithm, as DER; none if empty
}

// siegelProfile is what Encrypt writes: SHA-256 in the KDF, the hash that
// matches P-256's strength, and a 256-bit key-encryption key, so that the
// wrap is as strong as the AES-256 content key; no user keying material
// (OPTIONAL, RFC 5652 §6.2.2), since each message has its own ephemeral key
// anyway; and the originator key's parameters absent, which RFC 5753 §3.1.1
// allows and OpenSSL writes.
func siegelProfile() profile {
	return profile{kdf: oidECDHSHA256KDF, wrap: oidAES256Wrap, content: oidAES256GCM}
}

// Encrypt encrypts content, an RFC 5322 message, to the P-256 key of
// recipient, the receiving provider's domain certificate, and returns the
// DER ContentInfo of AuthEnvelopedData (RFC 5083 §2.1): what S/MIME sends as
// application/pkcs7-mime; smime-type=authEnveloped-data (RFC 8551 §3.4);
// the MIME around it is the caller's.
//
// The content is encrypted with a fresh AES-256 key in GCM with a 12-byte
// nonce and a 16-byte tag, no authenticated attributes (RFC 5084 §3.2). That
// key is wrapped (RFC 3394) under a key derived with the X9.63 KDF over
// SHA-256 (RFC 5753 §7.2) from ECDH between a fresh ephemeral key and the
// recipient's (RFC 5753 §3.1.1), and the recipient is named by issuer and
// serial number. rand gives the content key and the nonce; the ephemeral key
// comes from crypto/ecdh, which since Go 1.26 uses the system's generator
// whatever reader it is given (unless GODEBUG=cryptocustomrand=1).
//
// The certificate's key usage is not checked: RFC 5480 §3 would have
// keyAgreement for an ECDH key, but a provider's domain certificate has
// digitalSignature only, and it is the one the SPEC names for encryption.
// Nor is its validity or chain: the caller found it on the trust list.
func Encrypt(rand io.Reader, content []byte, recipient *x509.Certificate) ([]byte, error) {
	return encrypt(rand, content, recipient, siegelProfile())
}

func encrypt(rand io.Reader, content []byte, recipient *x509.Certificate, p profile) ([]byte, error) {
	if recipient == nil {
		return nil, errors.New("cms: encrypt: no recipient certificate")
	}
	pub, err := recipientKey(recipient)
	if err != nil {
		return nil, fmt.Errorf("cms: encrypt: %w", err)
	}
	ri, cek, err := p.recipientInfo(rand, pub, recipient)
	if err != nil {
		return nil, fmt.Errorf("cms: encrypt: %w", err)
	}
	defer clear(cek)
	return p.seal(rand, ri, cek, content)
}

// recipientKey is the certificate's key for ECDH: it must be ECDSA P-256.
func recipientKey(cert *x509.Certificate) (*ecdh.PublicKey, error) {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("the key of %s is %T, not ECDSA P-256", cert.Subject, cert.PublicKey)
	}
	return pub.ECDH()
}

// recipientInfo makes the content-encryption key and the KeyAgreeRecipientInfo
// that carries it to pub, the key of cert (RFC 5753 §3.1.1).
func (p profile) recipientInfo(rand io.Reader, pub *ecdh.PublicKey, cert *x509.Certificate) (ri, cek []byte, err error) {
	h, kekLen, cekLen := kdfHash(p.kdf), wrapKeyLen(p.wrap), gcmKeyLen(p.content)
	if h == 0 || kekLen == 0 || cekLen == 0 {
		return nil, nil, errors.New("an algorithm this package does not know") // a bug in a test profile
	}
	eph, err := ecdh.P256().GenerateKey(rand)
	if err != nil {
		return nil, nil, err
	}
	z, err := eph.ECDH(pub)
	if err != nil {
		return nil, nil, err
	}
	wrapAlg := element(tagSequence, oidElement(p.wrap)) // parameters absent (RFC 3565 §2.3.2)
	kek := x963KDF(h, z, sharedInfo(wrapAlg, p.ukm, kekLen), kekLen)
	clear(z)
	cek = make([]byte, cekLen)
	if _, err := io.ReadFull(rand, cek); err != nil {
		return nil, nil, fmt.Errorf("content-encryption key: %w", err)
	}
	wrapped, err := aesWrap(kek, cek)
	clear(kek)
	if err != nil {
		return nil, nil, err
	}
	serial, err := integerContents(cert.SerialNumber)
	if err != nil {
		return nil, nil, err
	}
	// RFC 5652 §10.2.4: the issuer as the certificate spells it, so that
	// the recipient's comparison with its RawIssuer holds.
	rid := element(tagSequence, cert.RawIssuer, element(tagInteger, serial))
	return p.kari(eph.PublicKey().Bytes(), wrapAlg, rid, wrapped), cek, nil
}

// kari encodes the KeyAgreeRecipientInfo (RFC 5652 §6.2.2; RFC 5753
// §3.1.1), [1] IMPLICIT as a RecipientInfo: version 3, the originator's
// ephemeral key as originatorKey, the user keying material if any, the
// key-encryption algorithm with the wrap algorithm as its parameter, and
// one RecipientEncryptedKey naming the recipient by issuer and serial number.
func (p profile) kari(point, wrapAlg, rid, wrapped []byte) []byte {
	keyAlg := element(tagSequence, oidElement(oidECPublicKey), []byte(p.keyParams))
	if p.keyParams == "" {
		keyAlg = []byte(derAlgECPublicKey)
	}
	originator := element(tagContext0, element(tagContext1, keyAlg, element(tagBitString, []byte{0}, point)))
	var ukm []byte
	if p.ukm != nil {
		ukm = element(tagContext1, element(tagOctetString, p.ukm))
	}
	keyEnc := element(tagSequence, oidElement(p.kdf), wrapAlg)
	reks := element(tagSequence, element(tagSequence, rid, element(tagOctetString, wrapped)))
	return element(tagContext1, []byte(derVersion3), originator, ukm, keyEnc, reks)
}

// seal writes the ContentInfo of AuthEnvelopedData around riSet, the
// contents of the recipientInfos SET, with content encrypted under cek.
// The output is sized first and written once; the content is copied to
// where its ciphertext goes and encrypted in place, so that a 45 MiB letter
// is not held three times.
func (p profile) seal(rand io.Reader, riSet, cek, content []byte) ([]byte, error) {
	var nonce [gcmNonceSize]byte
	if _, err := io.ReadFull(rand, nonce[:]); err != nil {
		return nil, fmt.Errorf("cms: encrypt: nonce: %w", err)
	}
	aead, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("cms: encrypt: %w", err)
	}
	// RFC 5084 §3.2: GCMParameters { aes-nonce, aes-ICVlen }.
	alg := element(tagSequence, oidElement(p.content),
		element(tagSequence, element(tagOctetString, nonce[:]), []byte(derGCMTagLen)))
	eci := tlvSize(len(oidData)) + len(alg) + tlvSize(len(content))
	aed := len(derVersion0) + tlvSize(len(riSet)) + tlvSize(eci) + tlvSize(gcmTagSize)
	ci := tlvSize(len(oidAuthEnvelopedData)) + tlvSize(tlvSize(aed))
	if tlvSize(ci) > maxEnvelope {
		return nil, fmt.Errorf("cms: encrypt: %d bytes of content make an envelope over %d MiB", len(content), maxEnvelope>>20)
	}
	b := make([]byte, 0, tlvSize(ci))
	b = appendHeader(b, tagSequence, ci) // ContentInfo
	b = appendOID(b, oidAuthEnvelopedData)
	b = appendHeader(b, tagContext0, tlvSize(aed))
	b = appendHeader(b, tagSequence, aed) // AuthEnvelopedData
	b = append(b, derVersion0...)         // always 0 (RFC 5083 §2.1)
	b = appendTLV(b, tagSet, riSet)
	b = appendHeader(b, tagSequence, eci) // EncryptedContentInfo
	b = appendOID(b, oidData)
	b = append(b, alg...)
	b = appendHeader(b, tagContext0Prim, len(content))
	start := len(b)
	b = append(b, content...)
	// RFC 5083 §2.2: without authAttrs the additional data is empty. Seal
	// appends the tag after the ciphertext, into the room left for the mac.
	sealed := aead.Seal(b[start:start], nonce[:], b[start:], nil)
	if &sealed[0] != &b[:cap(b)][start] {
		return nil, errors.New("cms: encrypt: GCM did not encrypt in place") // a bug, not an input
	}
	var tag [gcmTagSize]byte
	copy(tag[:], sealed[len(content):])
	b = appendTLV(b, tagOctetString, tag[:]) // mac: the tag, moved behind its header
	if len(b) != cap(b) {
		return nil, fmt.Errorf("cms: encoding: wrote %d bytes, planned %d", len(b), cap(b)) // a bug, not an input
	}
	return b, nil
}

// newGCM is AES-GCM with the 12-byte nonce and 16-byte tag of this profile.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sharedInfo is the DER ECC-CMS-SharedInfo the KDF derives the
// key-encryption key with (RFC 5753 §7.2): keyInfo, the wrap algorithm
// identifier as the KeyAgreeRecipientInfo has it; entityUInfo, the user
// keying material if there is any; suppPubInfo, the key's length in bits as
// four big-endian octets.
func sharedInfo(wrapAlg, ukm []byte, kekLen int) []byte {
	var bits [4]byte
	binary.BigEndian.PutUint32(bits[:], uint32(8*kekLen))
	var entity []byte
	if ukm != nil {
		entity = element(tagContext0, element(tagOctetString, ukm))
	}
	return element(tagSequence, wrapAlg, entity, element(tagContext2, element(tagOctetString, bits[:])))
}

// x963KDF is the key derivation function of ANSI X9.63 (SEC 1 §3.6.1), as
// RFC 5753 §7.2 uses it: the hashes of Z ‖ counter ‖ SharedInfo for a
// 32-bit big-endian counter from 1, concatenated and cut to n bytes.
func x963KDF(h crypto.Hash, z, info []byte, n int) []byte {
	d := h.New()
	out := make([]byte, 0, n+d.Size())
	var counter [4]byte
	for i := uint32(1); len(out) < n; i++ {
		binary.BigEndian.PutUint32(counter[:], i)
		d.Reset()
		d.Write(z)
		d.Write(counter[:])
		d.Write(info)
		out = d.Sum(out)
	}
	clear(out[n:])
	return out[:n]
}

// kdfHash is the hash of a dhSinglePass-stdDH-*kdf-scheme (RFC 5753 §7.1.4),
// or 0. SHA-1 is read, not written: OpenSSL sends it by default, and the KDF
// needs no collision resistance.
func kdfHash(oid string) crypto.Hash {
	switch oid {
	case oidECDHSHA1KDF:
		return crypto.SHA1
	case oidECDHSHA224KDF:
		return crypto.SHA224
	case oidECDHSHA256KDF:
		return crypto.SHA256
	case oidECDHSHA384KDF:
		return crypto.SHA384
	case oidECDHSHA512KDF:
		return crypto.SHA512
	}
	return 0
}

// wrapKeyLen is the key length of an AES key wrap algorithm, or 0.
func wrapKeyLen(oid string) int {
	switch oid {
	case oidAES128Wrap:
		return 16
	case oidAES192Wrap:
		return 24
	case oidAES256Wrap:
		return 32
	}
	return 0
}

// gcmKeyLen is the key length of an AES-GCM algorithm, or 0.
func gcmKeyLen(oid string) int {
	switch oid {
	case oidAES128GCM:
		return 16
	case oidAES192GCM:
		return 24
	case oidAES256GCM:
		return 32
	}
	return 0
}

// element encodes one DER element whose contents are parts, in order. The
// parts of an envelope other than the content are small, so they are put
// together from the inside out.
func element(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := appendHeader(make([]byte, 0, tlvSize(n)), tag, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// oidElement encodes an OBJECT IDENTIFIER from its content octets.
func oidElement(oid string) []byte { return appendOID(make([]byte, 0, tlvSize(len(oid))), oid) }
