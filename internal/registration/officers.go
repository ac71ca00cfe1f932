package registration

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Officer roles: an operator runs the provider and appoints officers; an officer
// verifies identities and blocks and closes accounts.
const (
	RoleOfficer  = "officer"
	RoleOperator = "operator"
)

// OfficerTokenPrefix starts every officer token.
const OfficerTokenPrefix = "sgo_"

// AddOfficer creates an officer and returns its token, which is shown once and
// stored only as a hash.
func (s *Service) AddOfficer(ctx context.Context, name, role string) (*store.Officer, string, error) {
	if role == "" {
		role = RoleOfficer
	}
	if role != RoleOfficer && role != RoleOperator {
		return nil, "", problem.Field("role", "invalid", "role must be officer or operator")
	}
	if name == "" || len(name) > 200 {
		return nil, "", problem.Field("name", "invalid", "name must be 1 to 200 characters")
	}
	var b [32]byte
	rand.Read(b[:])
	token := OfficerTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.Clock.Now()
	o := &store.Officer{ID: store.NewID(now), Name: name, Role: role, TokenHash: HashToken(token), CreatedAt: now}
	if err := s.Store.Update(ctx, func(tx store.Tx) error { return tx.InsertOfficer(o) }); err != nil {
		return nil, "", err
	}
	s.Log.Info("officer added", "officer", o.ID, "role", role)
	return o, token, nil
}

// HashToken is how bearer tokens are stored: a copied database yields no token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
