package registration

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Verified is the outcome of a verification step. Password is set only when the
// step completed verification: the initial credentials, shown once, for the
// officer to hand over (SPEC "Activation": credentials delivered).
type Verified struct {
	Account  *store.Account
	Password string
}

func actor(o *store.Officer) string { return account.OfficerActor(o.ID) }

func (s *Service) load(tx store.Tx, id string) (*store.Account, error) {
	a, err := tx.AccountByID(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.New(problem.NotFound, "account", "not_found", "no account %s", id)
	}
	return a, err
}

// Verify records an officer's identity verification (DMG §3(2); TR ID-FU: method,
// document type, officer and time; no copy of the document is kept). An
// electronic method completes verification; a manual entry waits for a second
// officer's confirmation.
func (s *Service) Verify(ctx context.Context, o *store.Officer, accountID string, v account.Verification) (*Verified, error) {
	now := s.Clock.Now()
	v.Officer, v.At = o.ID, now
	var out Verified
	var password, hash string
	if !v.Method.ManualEntry() {
		// Hash outside the transaction: argon2 is slow by design and the
		// committer serves every writer.
		var err error
		if password, hash, err = s.credentials(); err != nil {
			return nil, err
		}
	}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := s.load(tx, accountID)
		if err != nil {
			return err
		}
		if a.Status != account.Pending {
			return problem.New(problem.Conflict, "status", "not_pending", "account %s is %s, not pending verification", a.Address, a.Status)
		}
		if err := account.CheckVerification(a.Kind, v, now); err != nil {
			return err
		}
		a.Verification, _ = json.Marshal(v)
		detail := map[string]any{"method": v.Method, "document_type": v.DocumentType}
		if v.Method.ManualEntry() {
			a.Status = account.AwaitingConfirmation
			out.Account = a
			if err := tx.UpdateAccount(a); err != nil {
				return err
			}
			return Record(tx, now, a.ID, "identity_verified_manual", actor(o), detail)
		}
		s.complete(a, hash, now)
		out.Account, out.Password = a, password
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return Record(tx, now, a.ID, "identity_verified", actor(o), detail)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("identity verified", "account", accountID, "officer", o.ID, "method", v.Method,
		"complete", out.Password != "")
	return &out, nil
}

// Confirm is the second officer's confirmation of a manual entry (four-eyes).
func (s *Service) Confirm(ctx context.Context, o *store.Officer, accountID string) (*Verified, error) {
	now := s.Clock.Now()
	password, hash, err := s.credentials()
	if err != nil {
		return nil, err
	}
	var out Verified
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := s.load(tx, accountID)
		if err != nil {
			return err
		}
		if a.Status != account.AwaitingConfirmation {
			return problem.New(problem.Conflict, "status", "not_awaiting_confirmation",
				"account %s is %s, not awaiting a second officer's confirmation", a.Address, a.Status)
		}
		var v account.Verification
		if err := json.Unmarshal(a.Verification, &v); err != nil {
			return err
		}
		if err := account.CheckConfirmer(v.Officer, o.ID); err != nil {
			return err
		}
		a.ConfirmedBy, a.ConfirmedAt = o.ID, now
		s.complete(a, hash, now)
		out.Account, out.Password = a, password
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return Record(tx, now, a.ID, "identity_confirmed", actor(o), map[string]any{"first_officer": v.Officer})
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("identity confirmed", "account", accountID, "officer", o.ID)
	return &out, nil
}

func (s *Service) credentials() (password, hash string, err error) {
	password, err = account.GeneratePassword(s.Rand)
	if err != nil {
		return "", "", err
	}
	hash, err = account.HashPassword(s.Argon2, password, s.Rand)
	return password, hash, err
}

func (s *Service) complete(a *store.Account, passwordHash string, now time.Time) {
	a.Status = account.Verified
	a.PasswordHash = passwordHash
	a.VerifiedAt = now
}

// SetBlock blocks an account (or lifts a block with account.NoBlock). A full block
// ends its sessions at once (SPEC Blocking).
func (s *Service) SetBlock(ctx context.Context, o *store.Officer, accountID string, b account.Block, reason string) (*store.Account, error) {
	now := s.Clock.Now()
	if b != account.NoBlock && reason == "" {
		return nil, problem.Field("reason", "required", "a block needs a reason for the account's history")
	}
	var out *store.Account
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := s.load(tx, accountID)
		if err != nil {
			return err
		}
		if a.Status == account.Closed {
			return problem.New(problem.Conflict, "status", "account_closed", "account %s is closed", a.Address)
		}
		if a.Block == b {
			return problem.New(problem.Conflict, "block", "unchanged", "account %s already has block %q", a.Address, b)
		}
		action := "blocked"
		if b == account.NoBlock {
			action = "unblocked"
		}
		prev := a.Block
		a.Block, a.BlockReason = b, reason
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if b == account.FullBlock {
			if err := tx.DeleteAccountSessions(a.ID); err != nil {
				return err
			}
		}
		out = a
		return Record(tx, now, a.ID, action, actor(o), map[string]any{"block": b, "previous": prev, "reason": reason})
	})
	if err == nil {
		s.Log.Info("account block changed", "account", accountID, "officer", o.ID, "block", b)
	}
	return out, err
}

// Close closes an account: its holder data is deleted, its sessions end, its
// address is quarantined for 30 years, and mail to it is refused from now on
// (SPEC Blocking; DMG §10). The history stays, as the law requires.
//
// With forwardTo, the closure makes a forwarding order to that address
// (TR PVD-FU §3.1.3.3: offered within the closure): for OrderPeriod the
// account's letters go there instead of being refused (package mailbox,
// redirect.go). CheckOrderTarget checks the address.
func (s *Service) Close(ctx context.Context, o *store.Officer, accountID, reason, forwardTo string) (*store.Account, error) {
	now := s.Clock.Now()
	if reason == "" {
		return nil, problem.Field("reason", "required", "closing needs a reason for the account's history")
	}
	if forwardTo != "" && s.CheckOrderTarget == nil {
		return nil, problem.Field(FieldForwardTo, "unavailable", "this provider cannot make forwarding orders")
	}
	var out *store.Account
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := s.load(tx, accountID)
		if err != nil {
			return err
		}
		if err := account.CheckTransition(a.Status, account.Closed); err != nil {
			return err
		}
		a.Status, a.ClosedAt = account.Closed, now
		a.Holder, a.Verification, a.DisplayName = nil, nil, ""
		a.PasswordHash, a.TOTPSecret, a.TOTPPending, a.TOTPEnabled = "", nil, nil, false
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if err := tx.DeleteAccountSessions(a.ID); err != nil {
			return err
		}
		// Its passkeys are credentials too.
		if err := tx.DeleteAccountPasskeys(a.ID); err != nil {
			return err
		}
		// Its address book is the holder's personal data (TR PVD-FU §3.1.3.5).
		if err := tx.DeleteAccountContacts(a.ID); err != nil {
			return err
		}
		// So are the names of its own folders (TR PVD-FU §3.1.3.7).
		if err := tx.DeleteAccountFolders(a.ID); err != nil {
			return err
		}
		// And its automatic forwarding (TR PVD-FU §3.1.3.2), which a
		// forwarding order replaces.
		if err := tx.DeleteForwarding(a.ID); err != nil {
			return err
		}
		detail := map[string]any{"reason": reason}
		if forwardTo != "" {
			ord, err := s.order(tx, a, forwardTo, now)
			if err != nil {
				return err
			}
			detail["forward_to"], detail["forward_until"] = ord.Target, ord.Until
		}
		if err := tx.ReleaseAddress(a.Address, now); err != nil {
			return err
		}
		out = a
		return Record(tx, now, a.ID, "closed", actor(o), detail)
	})
	if err == nil {
		s.Log.Info("account closed", "account", accountID, "officer", o.ID)
	}
	return out, err
}

// Account returns an account and its history for an officer.
func (s *Service) Account(ctx context.Context, accountID string) (*store.Account, []account.Entry, error) {
	var a *store.Account
	var h []account.Entry
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if a, err = s.load(tx, accountID); err != nil {
			return err
		}
		h, err = tx.History(accountID)
		return err
	})
	return a, h, err
}

// List lists accounts in a status for the officer console.
func (s *Service) List(ctx context.Context, status account.Status, after string, limit int) ([]store.Account, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []store.Account
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListAccounts(status, after, limit)
		return err
	})
	return out, err
}
