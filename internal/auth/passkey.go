package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// Passkeys (W3C WebAuthn Level 3) are the second `high` method beside TOTP
// (SPEC Accounts: two independent factors, one-time data: TOTP or a
// WebAuthn passkey). The password gives a session at normal; a passkey's
// assertion, with user verification, over a fresh challenge steps it up to
// high, as a TOTP code does (StepUpPasskey). The protocol is go-webauthn's;
// the rules are Siegel's:
//
//   - Adding a passkey follows EnrollTOTP: while the account has no second
//     factor, a session at normal may add the first (else no new account
//     could ever reach high); once it has one, adding another or removing
//     one needs a session at high, so that a stolen password can neither
//     add a factor of the thief's nor take the holder's away.
//   - Every ceremony requires user verification (a PIN or biometric on the
//     authenticator): the passkey alone is then possession and knowledge or
//     inherence, and with the password two independent factors.
//   - A signature counter that does not grow (for an authenticator that
//     counts) means a cloned authenticator: the step-up is refused.
//   - A wrong or forged assertion counts towards the login lock as a wrong
//     TOTP code does (failure).
//   - Adding and removing are written to the account's history.
//
// A ceremony's state (the challenge and what go-webauthn checks the answer
// against) is sealed with the provider's key (Sealer), bound to the session
// and the ceremony's kind, and valid for PasskeyTimeout: the caller keeps it
// for the browser (the web pages in a short-lived cookie) and hands it back
// with the answer. So any node of the provider can finish a ceremony another
// node began, without a store row, and a state cannot serve another session
// or a step-up in place of a registration. A replayed answer gains nothing:
// a registration's credential id can be stored once, and a step-up raises a
// session that is then at high already.

// PasskeyTimeout bounds a ceremony: the browser's prompt, and the state.
const PasskeyTimeout = 5 * time.Minute

// MaxPasskeys bounds an account's passkeys.
const MaxPasskeys = 10

// maxPasskeyName bounds a passkey's name, in characters.
const maxPasskeyName = 60

// FieldPasskey names the passkey in problems: the answer of the browser,
// or the passkey a request names.
const FieldPasskey = "passkey"

// PasskeyRP is the relying party a ceremony runs for: the site as the
// browser sees it. A passkey works only where its RP ID is (WebAuthn binds
// it to the host name), so the web front end names it per request.
type PasskeyRP struct {
	// ID is the RP ID: a host name (never an IP address), no port.
	ID string
	// Origin is the page's origin, scheme://host[:port], which the browser
	// writes into what the authenticator signs.
	Origin string
}

// PasskeyCeremony is the first step of a ceremony: Options for the
// browser's navigator.credentials.create or .get (JSON, as go-webauthn
// writes them: {"publicKey": {…}}), and State, sealed, which the second
// step needs back unchanged.
type PasskeyCeremony struct {
	Options []byte
	State   []byte
}

// PasskeyInfo is one of an account's passkeys as its holder sees it.
type PasskeyInfo struct {
	// ID names the passkey in pages and requests: its credential id in
	// base64url, which authenticators show too.
	ID   string
	Name string
	// RPID is the host the passkey works on.
	RPID      string
	CreatedAt time.Time
	LastUsed  time.Time // zero before the first use
}

// ceremony kinds, in the seal's context.
const (
	ceremonyRegister = "register"
	ceremonyStepUp   = "stepup"
)

// ceremonyState is what a PasskeyCeremony's State holds, sealed.
type ceremonyState struct {
	RP      PasskeyRP
	Expires time.Time
	Data    webauthn.SessionData
}

// Passkeys lists the passkeys of p's account, oldest first.
func (s *Service) Passkeys(ctx context.Context, p *Principal) ([]PasskeyInfo, error) {
	var keys []store.Passkey
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		keys, err = tx.AccountPasskeys(p.Account.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]PasskeyInfo, len(keys))
	for i, k := range keys {
		out[i] = passkeyInfo(&k)
	}
	return out, nil
}

func passkeyInfo(k *store.Passkey) PasskeyInfo {
	return PasskeyInfo{ID: base64.RawURLEncoding.EncodeToString(k.ID), Name: k.Name, RPID: k.RPID,
		CreatedAt: k.CreatedAt, LastUsed: k.LastUsed}
}

// addingPasskey reads p's account and passkeys, and checks that p may
// add one now.
func (s *Service) addingPasskey(ctx context.Context, p *Principal) (*store.Account, []store.Passkey, error) {
	var acc *store.Account
	var keys []store.Passkey
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		if acc, err = tx.AccountByID(p.Account.ID); err != nil {
			return err
		}
		keys, err = tx.AccountPasskeys(acc.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := mayAddPasskey(acc, p, len(keys)); err != nil {
		return nil, nil, err
	}
	return acc, keys, nil
}

// BeginPasskeyRegistration starts adding a passkey to p's account at rp:
// the options for navigator.credentials.create, with the account's
// passkeys there excluded (an authenticator holds one of this account's).
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p *Principal, rp PasskeyRP) (*PasskeyCeremony, error) {
	wa, err := s.relyingParty(rp)
	if err != nil {
		return nil, err
	}
	acc, keys, err := s.addingPasskey(ctx, p)
	if err != nil {
		return nil, err
	}
	user := newPasskeyUser(acc, keys, rp.ID)
	creation, data, err := wa.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.creds).CredentialDescriptors()),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationRequired}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithRegistrationOrigin(rp.Origin))
	if err != nil {
		return nil, fmt.Errorf("passkey registration options: %w", err)
	}
	return s.ceremony(p, ceremonyRegister, rp, creation, data)
}

// AddPasskey finishes BeginPasskeyRegistration with the browser's answer
// (the PublicKeyCredential as JSON) and stores the passkey under name (a
// default when empty). Problems name FieldPasskey, or "name".
func (s *Service) AddPasskey(ctx context.Context, p *Principal, rp PasskeyRP, state, response []byte, name string) (*PasskeyInfo, error) {
	name, err := passkeyName(name)
	if err != nil {
		return nil, err
	}
	st, err := s.openCeremony(p, ceremonyRegister, rp, state)
	if err != nil {
		return nil, err
	}
	acc, keys, err := s.addingPasskey(ctx, p)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, badPasskeyAnswer(err)
	}
	wa, err := s.relyingParty(rp)
	if err != nil {
		return nil, err
	}
	cred, err := wa.CreateCredential(newPasskeyUser(acc, keys, rp.ID), st.Data, parsed)
	if err != nil {
		return nil, badPasskeyAnswer(err)
	}
	if !cred.Flags.UserVerified {
		// CreateCredential checks it, since the ceremony requires it; this
		// rule must not hang on an option.
		return nil, problem.Field(FieldPasskey, "user_verification", "the authenticator did not verify the user (PIN or biometrics)")
	}
	now := s.Clock.Now()
	k := &store.Passkey{ID: cred.ID, AccountID: acc.ID, RPID: rp.ID, Name: name, PublicKey: cred.PublicKey,
		SignCount: int64(cred.Authenticator.SignCount), AAGUID: cred.Authenticator.AAGUID,
		Flags: int(cred.Flags.ProtocolValue()), CreatedAt: now}
	for _, t := range cred.Transport {
		k.Transports = append(k.Transports, string(t))
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(acc.ID)
		if err != nil {
			return err
		}
		// The rule again, on what is true now: a factor added meanwhile
		// makes this one a further one, which needs high.
		if err := mayAddPasskey(a, p, a.Passkeys); err != nil {
			return err
		}
		if k.Name == "" {
			k.Name = fmt.Sprintf("Passkey %d", a.Passkeys+1)
		}
		if err := tx.InsertPasskey(k); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return problem.New(problem.Conflict, FieldPasskey, "passkey_exists", "this passkey is registered already")
			}
			return err
		}
		return registration.Record(tx, now, a.ID, "passkey_added", "user",
			map[string]any{"name": k.Name, "rp_id": k.RPID, "credential": base64.RawURLEncoding.EncodeToString(k.ID)})
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("passkey added", "account", acc.ID, "rp_id", rp.ID)
	info := passkeyInfo(k)
	return &info, nil
}

// mayAddPasskey is EnrollTOTP's rule for a passkey: the first second
// factor may be added at normal, a further one only at high; and an
// account has at most MaxPasskeys.
func mayAddPasskey(acc *store.Account, p *Principal, have int) error {
	if acc.SecondFactor() && p.Level() != account.High {
		return problem.New(problem.Forbidden, "", "login_level",
			"a second factor is already enrolled; adding another needs a session at high")
	}
	if have >= MaxPasskeys {
		return problem.New(problem.TooMany, "", "passkey_limit", "an account has at most %d passkeys; remove one first", MaxPasskeys)
	}
	return nil
}

// passkeyName checks a passkey's name: trimmed, printable, at most
// maxPasskeyName characters; "" asks for a default.
func passkeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		return "", problem.Field("name", "invalid", "the name may hold printable characters only")
	}
	if utf8.RuneCountInString(name) > maxPasskeyName {
		return "", problem.Field("name", "too_long", "the name may be at most %d characters", maxPasskeyName)
	}
	return name, nil
}

// RemovePasskey deletes the passkey of p's account named id (PasskeyInfo.ID).
// It needs a session at high: a factor is taken away, and a stolen
// password alone must not do that.
func (s *Service) RemovePasskey(ctx context.Context, p *Principal, id string) error {
	if p.Level() != account.High {
		return problem.New(problem.Forbidden, "", "login_level", "removing a passkey needs a session at high")
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) == 0 {
		return passkeyGone()
	}
	now := s.Clock.Now()
	var name string
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		k, err := tx.PasskeyByID(raw)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.AccountID != p.Account.ID) {
			return passkeyGone()
		}
		if err != nil {
			return err
		}
		name = k.Name
		if err := tx.DeletePasskey(p.Account.ID, raw); err != nil {
			return err
		}
		return registration.Record(tx, now, p.Account.ID, "passkey_removed", "user",
			map[string]any{"name": k.Name, "rp_id": k.RPID, "credential": id})
	})
	if err == nil {
		s.Log.Info("passkey removed", "account", p.Account.ID, "name", name)
	}
	return err
}

func passkeyGone() error {
	return problem.New(problem.NotFound, FieldPasskey, "passkey_gone", "no such passkey; it may have been removed already")
}

// BeginPasskeyStepUp starts raising p's session to high with a passkey at
// rp: the options for navigator.credentials.get, allowing the account's
// passkeys there. The lock and the blocks are checked first, as StepUp
// does, so that a locked login gets no challenge.
func (s *Service) BeginPasskeyStepUp(ctx context.Context, p *Principal, rp PasskeyRP) (*PasskeyCeremony, error) {
	if p.Level() == account.High {
		return nil, problem.New(problem.Conflict, "", "already_high", "the session is at high already")
	}
	wa, err := s.relyingParty(rp)
	if err != nil {
		return nil, err
	}
	acc, keys, err := s.stepUpAccount(ctx, p, rp)
	if err != nil {
		return nil, err
	}
	user := newPasskeyUser(acc, keys, rp.ID)
	assertion, data, err := wa.BeginLogin(user, webauthn.WithUserVerification(protocol.VerificationRequired),
		webauthn.WithLoginOrigin(rp.Origin))
	if err != nil {
		return nil, fmt.Errorf("passkey login options: %w", err)
	}
	return s.ceremony(p, ceremonyStepUp, rp, assertion, data)
}

// stepUpAccount reads p's account and its passkeys at rp, and refuses a
// step-up that the lock, the blocks or the lack of a passkey forbid.
func (s *Service) stepUpAccount(ctx context.Context, p *Principal, rp PasskeyRP) (*store.Account, []store.Passkey, error) {
	var acc *store.Account
	var keys []store.Passkey
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		if acc, err = tx.AccountByID(p.Account.ID); err != nil {
			return err
		}
		keys, err = tx.AccountPasskeys(acc.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := account.CheckLocked(acc.LockedUntil, s.Clock.Now()); err != nil {
		return nil, nil, err
	}
	if err := account.CanLogin(acc.Status, acc.Block, account.High); err != nil {
		return nil, nil, err
	}
	if len(newPasskeyUser(acc, keys, rp.ID).creds) == 0 {
		return nil, nil, problem.New(problem.Forbidden, FieldPasskey, "no_passkey",
			"this account has no passkey for %s; step up with the TOTP code, or add a passkey in the settings", rp.ID)
	}
	return acc, keys, nil
}

// StepUpPasskey finishes BeginPasskeyStepUp with the browser's answer (the
// PublicKeyCredential as JSON) and raises p's session to high, as StepUp
// does with a code: the pickups the login at high causes are recorded in
// the same transaction (OnHighLogin), and the failure count starts over. A
// wrong answer counts as a failure towards the lock.
func (s *Service) StepUpPasskey(ctx context.Context, p *Principal, rp PasskeyRP, state, response []byte) error {
	if p.Level() == account.High {
		return nil
	}
	st, err := s.openCeremony(p, ceremonyStepUp, rp, state)
	if err != nil {
		return err
	}
	acc, keys, err := s.stepUpAccount(ctx, p, rp)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return s.failure(ctx, acc.ID, wrongPasskey(err))
	}
	wa, err := s.relyingParty(rp)
	if err != nil {
		return err
	}
	cred, err := wa.ValidateLogin(newPasskeyUser(acc, keys, rp.ID), st.Data, parsed)
	if err != nil {
		return s.failure(ctx, acc.ID, wrongPasskey(err))
	}
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		return s.failure(ctx, acc.ID, wrongPasskey(errors.New("no user verification")))
	}
	if cred.Authenticator.CloneWarning {
		s.Log.Warn("passkey signature counter did not grow: a cloned authenticator?", "account", acc.ID,
			"counter", parsed.Response.AuthenticatorData.Counter)
		return s.failure(ctx, acc.ID, clonedPasskey())
	}
	now := s.Clock.Now()
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(acc.ID)
		if err != nil {
			return err
		}
		if err := account.CheckLocked(a.LockedUntil, now); err != nil {
			return err
		}
		k, err := tx.PasskeyByID(cred.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.AccountID != a.ID) {
			// Removed since the check, perhaps by another session.
			return passkeyGone()
		}
		if err != nil {
			return err
		}
		// The counter again, against what another step-up with the same
		// passkey may have stored meanwhile: each count serves once.
		count := int64(parsed.Response.AuthenticatorData.Counter)
		if (count != 0 || k.SignCount != 0) && count <= k.SignCount {
			return clonedPasskey()
		}
		k.SignCount, k.Flags, k.LastUsed = count, int(cred.Flags.ProtocolValue()), now
		if err := tx.UpdatePasskey(k); err != nil {
			return err
		}
		a.Failures = 0
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if s.OnHighLogin != nil {
			if err := s.OnHighLogin(tx, a.ID, now); err != nil {
				return err
			}
		}
		p.Session.Level = account.High
		p.Session.LastSeen = now
		return tx.UpdateSession(p.Session)
	})
	if pr := problem.As(err); pr != nil && pr.Code == "cloned_passkey" {
		return s.failure(ctx, acc.ID, err)
	}
	if err == nil {
		s.Log.Info("step-up", "account", acc.ID, "method", "passkey")
	}
	return err
}

func wrongPasskey(cause error) error {
	pr := problem.New(problem.Unauthorized, FieldPasskey, "bad_passkey", "the passkey did not confirm the login")
	pr.Cause = cause
	return pr
}

func clonedPasskey() error {
	return problem.New(problem.Unauthorized, FieldPasskey, "cloned_passkey",
		"the passkey's signature counter went backwards, as a copied authenticator's would; it is refused")
}

// badPasskeyAnswer is a registration answer that does not verify: no
// failure towards the lock (the session is logged in already), but no
// passkey either.
func badPasskeyAnswer(cause error) error {
	pr := problem.Field(FieldPasskey, "invalid_passkey", "the browser's answer did not verify; try again")
	pr.Cause = cause
	return pr
}

// relyingParty is go-webauthn for rp, with the provider's name.
func (s *Service) relyingParty(rp PasskeyRP) (*webauthn.WebAuthn, error) {
	if err := protocol.ValidateRPID(rp.ID); err != nil {
		return nil, problem.New(problem.Conflict, "", "passkey_unavailable",
			"passkeys need the site's host name, not an address (%s)", rp.ID)
	}
	name := s.Issuer
	if name == "" {
		name = "Siegel"
	}
	timeout := webauthn.TimeoutConfig{Timeout: PasskeyTimeout, TimeoutUVD: PasskeyTimeout}
	return webauthn.New(&webauthn.Config{RPID: rp.ID, RPDisplayName: name, RPOrigins: []string{rp.Origin},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout}})
}

// ceremony seals a ceremony's state for p's session and kind, with the
// options for the browser.
func (s *Service) ceremony(p *Principal, kind string, rp PasskeyRP, options any, data *webauthn.SessionData) (*PasskeyCeremony, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(ceremonyState{RP: rp, Expires: s.Clock.Now().Add(PasskeyTimeout), Data: *data})
	if err != nil {
		return nil, err
	}
	sealed, err := s.Sealer.Seal(plain, ceremonyContext(p, kind))
	if err != nil {
		return nil, err
	}
	return &PasskeyCeremony{Options: opts, State: sealed}, nil
}

// openCeremony opens the state a ceremony of kind began for p's session
// at rp, if it has not expired.
func (s *Service) openCeremony(p *Principal, kind string, rp PasskeyRP, sealed []byte) (*ceremonyState, error) {
	expired := problem.New(problem.Conflict, FieldPasskey, "passkey_expired",
		"the passkey request has expired or belongs to another page; try again")
	plain, err := s.Sealer.Open(sealed, ceremonyContext(p, kind))
	if err != nil {
		return nil, expired
	}
	var st ceremonyState
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("passkey ceremony state: %w", err)
	}
	if st.RP != rp || s.Clock.Now().After(st.Expires) {
		return nil, expired
	}
	return &st, nil
}

// ceremonyContext binds a sealed state to its session and kind: the AEAD's
// associated data, so a state opens for nothing else.
func ceremonyContext(p *Principal, kind string) string {
	return "siegel/passkey-ceremony/v1\x00" + kind + "\x00" + p.Session.TokenHash
}

// passkeyUser is an account as go-webauthn sees it, with its passkeys at
// one RP ID.
type passkeyUser struct {
	handle        []byte
	name, display string
	creds         []webauthn.Credential
}

// userHandleDomain separates the user handle's hash from every other use
// of SHA-256 over an account id.
const userHandleDomain = "siegel/webauthn-user/v1\x00"

func newPasskeyUser(acc *store.Account, keys []store.Passkey, rpID string) *passkeyUser {
	// The user handle: opaque, stable and without personal data (WebAuthn
	// §14.6.1), derived from the account id, so it needs no column.
	h := sha256.Sum256([]byte(userHandleDomain + acc.ID))
	u := &passkeyUser{handle: h[:], name: acc.Address, display: acc.DisplayName}
	if u.display == "" {
		u.display = acc.Address
	}
	for _, k := range keys {
		if k.RPID != rpID {
			continue
		}
		c := webauthn.Credential{ID: k.ID, PublicKey: k.PublicKey,
			Flags:         webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(k.Flags)),
			Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: uint32(k.SignCount)}}
		for _, t := range k.Transports {
			c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
		}
		u.creds = append(u.creds, c)
	}
	return u
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.handle }
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.display }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }
