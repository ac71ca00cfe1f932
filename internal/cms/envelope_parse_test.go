package cms

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// node is a DER element as a test changes it: a primitive's contents, or a
// constructed element's children.
type node struct {
	tag      byte
	contents []byte
	kids     []*node
}

func prim(tag byte, contents []byte) *node   { return &node{tag: tag, contents: contents} }
func cons(tag byte, kids ...*node) *node     { return &node{tag: tag | 0x20, kids: kids} }
func oidNode(oid string) *node               { return prim(tagOID, []byte(oid)) }
func (n *node) aed() *node                   { return n.kids[1].kids[0] }
func (n *node) kari() *node                  { return n.aed().kids[1].kids[0] }
func (n *node) originatorKey() *node         { return n.kari().kids[1].kids[0] } // [1] { algorithm, publicKey }
func (n *node) keyEncryption() *node         { return n.kari().kids[len(n.kari().kids)-2] }
func (n *node) recipientEncryptedKey() *node { return n.kari().kids[len(n.kari().kids)-1].kids[0] }
func (n *node) eci() *node                   { return n.aed().kids[2] }
func (n *node) gcmParams() *node             { return n.eci().kids[1].kids[1] }

func parseNode(t testing.TB, der []byte) *node {
	t.Helper()
	s := cryptobyte.String(der)
	var contents cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&contents, &tag) || !s.Empty() {
		t.Fatalf("not one DER element: %x", der)
	}
	n := &node{tag: byte(tag)}
	if n.tag&0x20 == 0 {
		n.contents = bytes.Clone(contents) // a change must not reach the input
		return n
	}
	for !contents.Empty() {
		var elem cryptobyte.String
		if !contents.ReadAnyASN1Element(&elem, &tag) {
			t.Fatalf("not DER: %x", []byte(contents))
		}
		n.kids = append(n.kids, parseNode(t, elem))
	}
	return n
}

func (n *node) encode() []byte {
	if n.tag&0x20 == 0 {
		return element(n.tag, n.contents)
	}
	parts := make([][]byte, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.encode()
	}
	return element(n.tag, parts...)
}

// edit returns der changed by change; unchanged, the tree gives der back.
func edit(t testing.TB, der []byte, change func(*node)) []byte {
	t.Helper()
	if !bytes.Equal(parseNode(t, der).encode(), der) {
		t.Fatal("the tree does not give the envelope back")
	}
	n := parseNode(t, der)
	change(n)
	return n.encode()
}

// TestDecryptRefusesStructure: each departure from the profile Decrypt
// describes is ErrFormat, for the reason the test names.
func TestDecryptRefusesStructure(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	const oidP384, oidAES256Pad, oidAES256CBC = "\x2b\x81\x04\x00\x22", "\x60\x86\x48\x01\x65\x03\x04\x01\x30", "\x60\x86\x48\x01\x65\x03\x04\x01\x2a"
	for _, c := range []struct {
		name, want string
		change     func(*node)
	}{
		{"EnvelopedData", "not AuthEnvelopedData", func(n *node) { n.kids[0].contents = []byte("\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03") }},
		{"version 2", "version is not 0", func(n *node) { n.aed().kids[0].contents = []byte{2} }},
		{"originatorInfo", "originatorInfo", func(n *node) { n.aed().kids = slices.Insert(n.aed().kids, 1, cons(tagContext0)) }},
		{"two recipients", "not exactly one recipient", func(n *node) { s := n.aed().kids[1]; s.kids = append(s.kids, s.kids[0]) }},
		{"no recipient", "not exactly one recipient", func(n *node) { n.aed().kids[1].kids = nil }},
		{"KeyTransRecipientInfo", "not exactly one recipient", func(n *node) { n.aed().kids[1].kids[0].tag = tagSequence }},
		{"kari version 2", "version is not 3", func(n *node) { n.kari().kids[0].contents = []byte{2} }},
		{"originator by key identifier", "not an originatorKey", func(n *node) { n.kari().kids[1].kids[0] = prim(0x80, []byte("ski")) }},
		{"originator key not EC", "not id-ecPublicKey", func(n *node) { n.originatorKey().kids[0].kids[0].contents = []byte(oidRSAEncryption) }},
		{"originator key on P-384", "parameters", func(n *node) {
			alg := n.originatorKey().kids[0]
			alg.kids = append(alg.kids, oidNode(oidP384))
		}},
		{"compressed point", "uncompressed P-256", func(n *node) {
			bits := n.originatorKey().kids[1]
			bits.contents = append([]byte{0, 2}, bits.contents[2:34]...)
		}},
		{"point with unused bits", "uncompressed P-256", func(n *node) { n.originatorKey().kids[1].contents[0] = 1 }},
		{"point of P-384's size", "uncompressed P-256", func(n *node) {
			bits := n.originatorKey().kids[1]
			bits.contents = append(bits.contents, make([]byte, 32)...)
		}},
		{"point at infinity", "uncompressed P-256", func(n *node) { n.originatorKey().kids[1].contents = []byte{0, 0} }},
		{"point off the curve", "not a P-256 point", func(n *node) { n.originatorKey().kids[1].contents[65] ^= 1 }},
		{"ukm too long", "ukm", func(n *node) {
			n.kari().kids = slices.Insert(n.kari().kids, 2, cons(tagContext1, prim(tagOctetString, make([]byte, maxUKM+1))))
		}},
		{"ukm not an OCTET STRING", "ukm", func(n *node) {
			n.kari().kids = slices.Insert(n.kari().kids, 2, cons(tagContext1, prim(tagInteger, []byte{1})))
		}},
		{"cofactor ECDH", "unsupported key agreement", func(n *node) {
			n.keyEncryption().kids[0].contents = []byte("\x2b\x81\x05\x10\x86\x48\x3f\x00\x03")
		}},
		{"no wrap algorithm", "key wrap algorithm is missing", func(n *node) { n.keyEncryption().kids = n.keyEncryption().kids[:1] }},
		{"wrap with NULL parameters", "unsupported key wrap", func(n *node) {
			w := n.keyEncryption().kids[1]
			w.kids = append(w.kids, prim(tagNull, nil))
		}},
		{"AES key wrap with padding", "unsupported key wrap", func(n *node) { n.keyEncryption().kids[1].kids[0].contents = []byte(oidAES256Pad) }},
		{"two encrypted keys", "not exactly one RecipientEncryptedKey", func(n *node) {
			reks := n.kari().kids[len(n.kari().kids)-1]
			reks.kids = append(reks.kids, reks.kids[0])
		}},
		{"rKeyId", "issuer and serial number", func(n *node) {
			n.recipientEncryptedKey().kids[0] = cons(tagContext0, prim(tagOctetString, []byte("ski")))
		}},
		{"serial not minimal", "issuer and serial number", func(n *node) {
			s := n.recipientEncryptedKey().kids[0].kids[1]
			s.contents = append([]byte{0}, s.contents...)
		}},
		{"wrapped key short", "wrapped key has 32 bytes", func(n *node) {
			k := n.recipientEncryptedKey().kids[1]
			k.contents = k.contents[:32]
		}},
		{"wrapped key for AES-128", "wrapped key has 40 bytes", func(n *node) { n.eci().kids[1].kids[0].contents = []byte(oidAES128GCM) }},
		{"content not id-data", "not id-data", func(n *node) { n.eci().kids[0].contents = []byte(oidSignedData) }},
		{"AES-256-CBC", "not AES-GCM", func(n *node) {
			n.eci().kids[1] = cons(tagSequence, oidNode(oidAES256CBC), prim(tagOctetString, make([]byte, 16)))
		}},
		{"GCM parameters absent", "nonce", func(n *node) { n.eci().kids[1].kids = n.eci().kids[1].kids[:1] }},
		{"nonce of 16 bytes", "nonce", func(n *node) { n.gcmParams().kids[0].contents = make([]byte, 16) }},
		{"tag length absent, so 12", "tag length", func(n *node) { n.gcmParams().kids = n.gcmParams().kids[:1] }},
		{"tag length 12", "tag length", func(n *node) { n.gcmParams().kids[1].contents = []byte{12} }},
		{"tag length not minimal", "tag length", func(n *node) { n.gcmParams().kids[1].contents = []byte{0, 16} }},
		{"encryptedContent absent", "encryptedContent", func(n *node) { n.eci().kids = n.eci().kids[:2] }},
		{"encryptedContent constructed", "encryptedContent", func(n *node) {
			n.eci().kids[2] = cons(tagContext0, prim(tagOctetString, n.eci().kids[2].contents))
		}},
		{"authAttrs", "authAttrs", func(n *node) {
			attr := cons(tagSequence, oidNode(oidContentType), cons(tagSet, oidNode(oidData)))
			n.aed().kids = slices.Insert(n.aed().kids, 3, cons(tagContext1, attr))
		}},
		{"mac of 12 bytes", "mac", func(n *node) { m := n.aed().kids[3]; m.contents = m.contents[:12] }},
		{"unauthAttrs", "unauthAttrs", func(n *node) { n.aed().kids = append(n.aed().kids, cons(tagContext2)) }},
	} {
		_, err := Decrypt(edit(t, der, c.change), r.cert, r.key)
		wantErr(t, c.name, err, ErrFormat)
		if err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.want)
		}
	}
}

// TestDecryptRefusesBER: the indefinite length, and a length in more octets
// than needed, are BER, not DER.
func TestDecryptRefusesBER(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	if der[1] != 0x82 {
		t.Fatalf("the envelope's length is not in two octets: %x", der[:4])
	}
	contents := der[4:]
	for name, ber := range map[string][]byte{
		"indefinite length": append(append([]byte{0x30, 0x80}, contents...), 0, 0),
		"long length":       append([]byte{0x30, 0x83, 0, der[2], der[3]}, contents...),
	} {
		_, err := Decrypt(ber, r.cert, r.key)
		wantErr(t, name, err, ErrFormat)
	}
}
