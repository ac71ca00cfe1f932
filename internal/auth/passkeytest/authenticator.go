// Package passkeytest is a software WebAuthn authenticator with its browser
// part, for tests: it answers the options auth's passkey ceremonies give
// (navigator.credentials.create and .get as JSON) as a browser with one
// platform authenticator would, with an ES256 key, "none" attestation and a
// signature counter, and can be told to misbehave (no user verification, a
// counter that goes back, another origin).
package passkeytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator is one credential in a software authenticator, with the
// browser that talks to it.
type Authenticator struct {
	// Origin is the page's origin the browser reports.
	Origin string
	// UV: the authenticator verifies the user (PIN or biometrics).
	UV bool
	// Counter is the signature counter: each assertion adds one to it
	// first, unless it is 0 and stays so (an authenticator that does not
	// count: set NoCounter).
	Counter   uint32
	NoCounter bool
	// ID is the credential id; the key and the user handle are the
	// credential's once Create ran.
	ID         []byte
	AAGUID     []byte
	key        *ecdsa.PrivateKey
	userHandle []byte
	rpID       string
}

// New is an authenticator that verifies its user, for pages at origin.
func New(origin string) *Authenticator {
	id := make([]byte, 16)
	rand.Read(id)
	return &Authenticator{Origin: origin, UV: true, ID: id, AAGUID: []byte("siegel-test-auth")}
}

type b64 = string

// options is the part of the ceremonies' options the authenticator reads.
type options struct {
	PublicKey struct {
		Challenge b64 `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID b64 `json:"id"`
		} `json:"user"`
		RPID  string `json:"rpId"`
		Allow []struct {
			ID b64 `json:"id"`
		} `json:"allowCredentials"`
		Exclude []struct {
			ID b64 `json:"id"`
		} `json:"excludeCredentials"`
	} `json:"publicKey"`
}

var enc = base64.RawURLEncoding

// Flags of the authenticator data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// Create answers a registration's options (BeginPasskeyRegistration) as
// navigator.credentials.create would: the PublicKeyCredential as JSON.
func (a *Authenticator) Create(opts []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		return nil, err
	}
	for _, x := range o.PublicKey.Exclude {
		if x.ID == enc.EncodeToString(a.ID) {
			return nil, errors.New("InvalidStateError: the authenticator holds an excluded credential")
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	handle, err := enc.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("user.id: %w", err)
	}
	a.key, a.userHandle, a.rpID = key, handle, o.PublicKey.RP.ID
	pub, err := key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		return nil, err
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:65]})
	if err != nil {
		return nil, err
	}
	var att bytes.Buffer
	att.Write(a.AAGUID)
	binary.Write(&att, binary.BigEndian, uint16(len(a.ID)))
	att.Write(a.ID)
	att.Write(cose)
	authData := a.authData(flagAT, a.Counter, att.Bytes())
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	client := a.clientData("webauthn.create", o.PublicKey.Challenge)
	return json.Marshal(map[string]any{"id": enc.EncodeToString(a.ID), "rawId": enc.EncodeToString(a.ID),
		"type": "public-key", "authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": enc.EncodeToString(client),
			"attestationObject": enc.EncodeToString(attObj), "transports": []string{"internal"}}})
}

// Get answers a step-up's options (BeginPasskeyStepUp) as
// navigator.credentials.get would.
func (a *Authenticator) Get(opts []byte) ([]byte, error) {
	if a.key == nil {
		return nil, errors.New("the authenticator holds no credential: Create first")
	}
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		return nil, err
	}
	allowed := len(o.PublicKey.Allow) == 0
	for _, x := range o.PublicKey.Allow {
		allowed = allowed || x.ID == enc.EncodeToString(a.ID)
	}
	if !allowed || o.PublicKey.RPID != a.rpID {
		return nil, errors.New("NotAllowedError: no credential for this request")
	}
	if !a.NoCounter {
		a.Counter++
	}
	return a.Assert(o.PublicKey.Challenge, a.Counter)
}

// Assert signs an assertion over challenge (base64url) with counter as the
// signature counter, whatever the options said: for answers a good
// authenticator would not give.
func (a *Authenticator) Assert(challenge string, counter uint32) ([]byte, error) {
	authData := a.authData(0, counter, nil)
	client := a.clientData("webauthn.get", challenge)
	h := sha256.Sum256(client)
	signed := sha256.Sum256(append(append([]byte{}, authData...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, signed[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": enc.EncodeToString(a.ID), "rawId": enc.EncodeToString(a.ID),
		"type": "public-key", "authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": enc.EncodeToString(client),
			"authenticatorData": enc.EncodeToString(authData), "signature": enc.EncodeToString(sig),
			"userHandle": enc.EncodeToString(a.userHandle)}})
}

// Challenge is the challenge of a ceremony's options (base64url).
func Challenge(opts []byte) (string, error) {
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		return "", err
	}
	return o.PublicKey.Challenge, nil
}

func (a *Authenticator) authData(extra byte, counter uint32, attested []byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	flags := flagUP | extra
	if a.UV {
		flags |= flagUV
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, counter)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}
