package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// envelope is a parsed AuthEnvelopedData with its one
// KeyAgreeRecipientInfo. The slices point into the input.
type envelope struct {
	ephemeral []byte      // originatorKey: the uncompressed point, not yet checked to be on P-256
	ukm       []byte      // userKeyingMaterial; nil when absent, empty when present and empty
	kdf       crypto.Hash // of the dhSinglePass-stdDH-*kdf-scheme
	wrapAlg   []byte      // the wrap AlgorithmIdentifier, as read: keyInfo of the SharedInfo
	kekLen    int         // its key length
	issuer    []byte      // rid: raw Name
	serial    []byte      // rid: content octets of the INTEGER
	wrapped   []byte      // encryptedKey
	cekLen    int         // the key length of the AES-GCM content encryption
	nonce     []byte
	encrypted []byte // encryptedContent, without the tag
	mac       []byte // the GCM tag
}

// Decrypt reads der, the DER ContentInfo of an AuthEnvelopedData, and
// decrypts it with key, the private key of cert, the certificate it must be
// addressed to (by issuer and serial number). It accepts what Encrypt
// writes and what OpenSSL 3 writes for a P-256 certificate: one
// KeyAgreeRecipientInfo with ephemeral-static ECDH (RFC 5753 §3.1), the
// X9.63 KDF with SHA-1, -224, -256, -384 or -512, AES key wrap with 128, 192
// or 256 bits (RFC 3565 §2.3.2), user keying material or none; id-data
// encrypted with AES-GCM of 128, 192 or 256 bits, a 12-byte nonce and a
// 16-byte tag (RFC 5084 §3.2); and no originatorInfo, authenticated or
// unauthenticated attributes. It refuses input over 64 MiB.
//
// Errors wrap ErrFormat for a structure outside that, ErrDecrypt for a
// message that is not for this key or that was changed, and neither for a
// certificate without a P-256 key. The key is a file key: a key in a PKCS#11
// token would need the token to do the ECDH (CKM_ECDH1_DERIVE) and give back
// the shared secret, which crypto.Decrypter cannot express.
func Decrypt(der []byte, cert *x509.Certificate, key *ecdsa.PrivateKey) ([]byte, error) {
	if cert == nil || key == nil {
		return nil, errors.New("cms: decrypt: a certificate and its key are required")
	}
	pub, err := recipientKey(cert)
	if err != nil {
		return nil, fmt.Errorf("cms: decrypt: %w", err)
	}
	priv, err := key.ECDH()
	if err != nil || !priv.PublicKey().Equal(pub) {
		return nil, decryptf("the key is not the one of %s", cert.Subject)
	}
	var e envelope
	if err := e.parse(der); err != nil {
		return nil, err
	}
	if !bytes.Equal(e.issuer, cert.RawIssuer) || !sameSerial(cert, e.serial) {
		return nil, decryptf("the message is addressed to another certificate than %s (RFC 5652 §6.2.2)", cert.Subject)
	}
	cek, err := e.unwrap(priv)
	if err != nil {
		return nil, err
	}
	defer clear(cek)
	return e.open(cek)
}

// unwrap recovers the content-encryption key (RFC 5753 §3.1.2): ECDH of the
// recipient's key with the originator's, the KDF, and the key unwrap.
func (e *envelope) unwrap(priv *ecdh.PrivateKey) ([]byte, error) {
	// NewPublicKey checks that the point is on the curve and not the
	// identity (SEC 1 §3.2.2.1), without which ECDH would leak the key.
	eph, err := ecdh.P256().NewPublicKey(e.ephemeral)
	if err != nil {
		return nil, formatf("the originator key is not a P-256 point: %v", err)
	}
	z, err := priv.ECDH(eph)
	if err != nil {
		return nil, decryptf("ECDH: %v", err)
	}
	kek := x963KDF(e.kdf, z, sharedInfo(e.wrapAlg, e.ukm, e.kekLen), e.kekLen)
	clear(z)
	cek, err := aesUnwrap(kek, e.wrapped)
	clear(kek)
	if err != nil {
		return nil, decryptf("%v: the message is not for this key, or the wrapped key was changed", err)
	}
	return cek, nil
}

// open decrypts the content and checks its tag. The ciphertext and the
// tag are apart in the input, so they are put together once, into the
// buffer the content is then decrypted in.
func (e *envelope) open(cek []byte) ([]byte, error) {
	aead, err := newGCM(cek)
	if err != nil {
		return nil, decryptf("%v", err)
	}
	buf := make([]byte, len(e.encrypted)+len(e.mac))
	copy(buf, e.encrypted)
	copy(buf[len(e.encrypted):], e.mac)
	content, err := aead.Open(buf[:0], e.nonce, buf, nil) // no authAttrs: empty additional data (RFC 5083 §2.2)
	if err != nil {
		return nil, decryptf("the GCM tag does not verify (RFC 5084 §3.2): the content, its nonce or the tag was changed")
	}
	return content, nil
}

// parse reads the ContentInfo (RFC 5652 §3) around the AuthEnvelopedData.
// Every error wraps ErrFormat.
func (e *envelope) parse(der []byte) error {
	if len(der) > maxEnvelope {
		return formatf("%d bytes, more than the %d MiB an envelope may have", len(der), maxEnvelope>>20)
	}
	s := cryptobyte.String(der)
	var ci, wrapped, aed, oid cryptobyte.String
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() {
		return formatf("not one DER ContentInfo (truncated, trailing data, or not DER)")
	}
	if !ci.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidAuthEnvelopedData {
		return formatf("the content type is not AuthEnvelopedData (RFC 5083 §2.1)")
	}
	if !ci.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!wrapped.ReadASN1(&aed, cbasn1.SEQUENCE) || !wrapped.Empty() {
		return formatf("malformed ContentInfo")
	}
	return e.readAuthEnvelopedData(aed)
}

// readAuthEnvelopedData reads RFC 5083 §2.1's structure in the shape
// Decrypt describes.
func (e *envelope) readAuthEnvelopedData(aed cryptobyte.String) error {
	var version int64
	var infos, info, eci cryptobyte.String
	if !aed.ReadASN1Integer(&version) || version != 0 {
		return formatf("AuthEnvelopedData version is not 0 (RFC 5083 §2.1)")
	}
	if aed.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return formatf("originatorInfo is not part of this profile")
	}
	if !aed.ReadASN1(&infos, cbasn1.SET) {
		return formatf("malformed recipientInfos")
	}
	// RecipientInfo is a CHOICE; kari is [1] IMPLICIT (RFC 5652 §6.2).
	if !infos.ReadASN1(&info, cbasn1.Tag(1).Constructed().ContextSpecific()) || !infos.Empty() {
		return formatf("not exactly one recipient, by a KeyAgreeRecipientInfo (RFC 5753 §3.1)")
	}
	if err := e.readKeyAgreement(info); err != nil {
		return err
	}
	if !aed.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return formatf("malformed authEncryptedContentInfo")
	}
	if err := e.readEncryptedContent(eci); err != nil {
		return err
	}
	if aed.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return formatf("authAttrs are not part of this profile")
	}
	if !aed.ReadASN1Bytes(&e.mac, cbasn1.OCTET_STRING) || len(e.mac) != gcmTagSize {
		return formatf("the mac is not a %d-byte GCM tag (RFC 5084 §3.2)", gcmTagSize)
	}
	if !aed.Empty() {
		return formatf("unauthAttrs, or data after the mac: not part of this profile")
	}
	if len(e.wrapped) != e.cekLen+wrapOverhead {
		return formatf("the wrapped key has %d bytes, not a %d-byte content key's %d (RFC 3394 §2.2.1)",
			len(e.wrapped), e.cekLen, e.cekLen+wrapOverhead)
	}
	return nil
}

// readKeyAgreement reads the KeyAgreeRecipientInfo (RFC 5652 §6.2.2) as
// RFC 5753 §3.1.1 has it for ephemeral-static ECDH.
func (e *envelope) readKeyAgreement(kari cryptobyte.String) error {
	var version int64
	var orig, origKey, keyEnc, reks, rek cryptobyte.String
	if !kari.ReadASN1Integer(&version) || version != 3 {
		return formatf("KeyAgreeRecipientInfo version is not 3 (RFC 5652 §6.2.2)")
	}
	if !kari.ReadASN1(&orig, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!orig.ReadASN1(&origKey, cbasn1.Tag(1).Constructed().ContextSpecific()) || !orig.Empty() {
		return formatf("the originator is not an originatorKey (RFC 5753 §3.1.1)")
	}
	if err := e.readOriginatorKey(origKey); err != nil {
		return err
	}
	if kari.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var ukm cryptobyte.String
		if !kari.ReadASN1(&ukm, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
			!ukm.ReadASN1Bytes(&e.ukm, cbasn1.OCTET_STRING) || !ukm.Empty() || len(e.ukm) > maxUKM {
			return formatf("the ukm is not an OCTET STRING of at most %d bytes", maxUKM)
		}
		if e.ukm == nil {
			e.ukm = []byte{} // present: the SharedInfo has an entityUInfo
		}
	}
	if !kari.ReadASN1(&keyEnc, cbasn1.SEQUENCE) {
		return formatf("malformed keyEncryptionAlgorithm")
	}
	if err := e.readKeyEncryption(keyEnc); err != nil {
		return err
	}
	if !kari.ReadASN1(&reks, cbasn1.SEQUENCE) || !kari.Empty() ||
		!reks.ReadASN1(&rek, cbasn1.SEQUENCE) || !reks.Empty() {
		return formatf("not exactly one RecipientEncryptedKey")
	}
	return e.readEncryptedKey(rek)
}

// readEncryptedKey reads the RecipientEncryptedKey: the recipient by
// issuerAndSerialNumber (rKeyId [0] is not part of this profile) and the
// wrapped key.
func (e *envelope) readEncryptedKey(rek cryptobyte.String) error {
	var rid, issuer cryptobyte.String
	if !rek.ReadASN1(&rid, cbasn1.SEQUENCE) || !rid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!readInteger(&rid, &e.serial) || !rid.Empty() {
		return formatf("the recipient is not named by issuer and serial number")
	}
	e.issuer = issuer
	if !rek.ReadASN1Bytes(&e.wrapped, cbasn1.OCTET_STRING) || !rek.Empty() {
		return formatf("malformed encryptedKey")
	}
	return nil
}

// readOriginatorKey reads the originator's OriginatorPublicKey: id-ecPublicKey
// with parameters absent, NULL or P-256's namedCurve (RFC 5753 §3.1.1), and
// an uncompressed point of P-256's size in a BIT STRING without unused bits.
func (e *envelope) readOriginatorKey(k cryptobyte.String) error {
	var alg, oid cryptobyte.String
	if !k.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		string(oid) != oidECPublicKey {
		return formatf("the originator key is not id-ecPublicKey (RFC 5753 §3.1.1)")
	}
	if !alg.Empty() {
		var params cryptobyte.String
		var tag cbasn1.Tag
		if !alg.ReadAnyASN1(&params, &tag) || !alg.Empty() ||
			!((tag == cbasn1.NULL && params.Empty()) || (tag == cbasn1.OBJECT_IDENTIFIER && string(params) == oidP256)) {
			return formatf("the originator key's parameters are neither absent, NULL nor P-256 (RFC 5753 §3.1.1)")
		}
	}
	var bits cryptobyte.String
	if !k.ReadASN1(&bits, cbasn1.BIT_STRING) || !k.Empty() ||
		len(bits) != 1+p256PointSize || bits[0] != 0 || bits[1] != 4 {
		return formatf("the originator key is not an uncompressed P-256 point (RFC 5480 §2.2)")
	}
	e.ephemeral = bits[1:]
	return nil
}

// readKeyEncryption reads the keyEncryptionAlgorithm: a
// dhSinglePass-stdDH-*kdf-scheme whose parameter is the AES key wrap
// algorithm, itself without parameters (RFC 5753 §7.1.4, RFC 3565 §2.3.2).
func (e *envelope) readKeyEncryption(alg cryptobyte.String) error {
	var oid, wrapAlg, wrap, wrapOID cryptobyte.String
	if !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !validOID(oid) {
		return formatf("malformed keyEncryptionAlgorithm")
	}
	if e.kdf = kdfHash(string(oid)); e.kdf == 0 {
		return formatf("unsupported key agreement %s: not dhSinglePass-stdDH with an X9.63 KDF (RFC 5753 §7.1.4)", oidName(oid))
	}
	if !alg.ReadASN1Element(&wrapAlg, cbasn1.SEQUENCE) || !alg.Empty() {
		return formatf("the key wrap algorithm is missing (RFC 5753 §7.1.4)")
	}
	e.wrapAlg = wrapAlg
	if !wrapAlg.ReadASN1(&wrap, cbasn1.SEQUENCE) || !wrap.ReadASN1(&wrapOID, cbasn1.OBJECT_IDENTIFIER) || !validOID(wrapOID) {
		return formatf("malformed key wrap algorithm")
	}
	if e.kekLen = wrapKeyLen(string(wrapOID)); e.kekLen == 0 || !wrap.Empty() {
		return formatf("unsupported key wrap %s: not AES key wrap without parameters (RFC 3565 §2.3.2)", oidName(wrapOID))
	}
	return nil
}

// readEncryptedContent reads the EncryptedContentInfo (RFC 5652 §6.1): id-data,
// AES-GCM with a 12-byte nonce and a 16-byte tag (RFC 5084 §3.2), and the
// ciphertext as one primitive [0] IMPLICIT OCTET STRING.
func (e *envelope) readEncryptedContent(eci cryptobyte.String) error {
	var ct, alg, oid, params cryptobyte.String
	if !eci.ReadASN1(&ct, cbasn1.OBJECT_IDENTIFIER) || string(ct) != oidData {
		return formatf("the encrypted content is not id-data")
	}
	if !eci.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !validOID(oid) {
		return formatf("malformed contentEncryptionAlgorithm")
	}
	if e.cekLen = gcmKeyLen(string(oid)); e.cekLen == 0 {
		return formatf("unsupported content encryption %s: not AES-GCM (RFC 5084 §3.2)", oidName(oid))
	}
	if !alg.ReadASN1(&params, cbasn1.SEQUENCE) || !alg.Empty() ||
		!params.ReadASN1Bytes(&e.nonce, cbasn1.OCTET_STRING) || len(e.nonce) != gcmNonceSize {
		return formatf("the GCM nonce is not %d bytes (RFC 5084 §3.2)", gcmNonceSize)
	}
	// aes-ICVlen is DEFAULT 12, so DER leaves 12 out: absent is 12 too.
	var icvLen int64
	if !params.ReadASN1Integer(&icvLen) || icvLen != gcmTagSize || !params.Empty() {
		return formatf("the GCM tag length is not %d (RFC 5084 §3.2)", gcmTagSize)
	}
	if !eci.ReadASN1Bytes(&e.encrypted, cbasn1.Tag(0).ContextSpecific()) || !eci.Empty() {
		return formatf("the encryptedContent is absent, not primitive, or followed by data")
	}
	return nil
}
