// Package account holds the rules for registered-mail accounts: who may hold one,
// how identity is verified before it opens, how its holder logs in at which level,
// and how it is blocked and closed. It is pure logic; storage and HTTP live
// elsewhere (DMG §3, §4, §10; TR ACM-FU).
package account

// Kind is the kind of account holder (SPEC "Accounts").
type Kind string

// Account kinds, spelled the same in code, config, API and demo.json.
const (
	Person       Kind = "person"
	Organisation Kind = "organisation"
	Authority    Kind = "authority"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Person || k == Organisation || k == Authority }

// Level is the login level of a session (DMG §4(1)).
type Level string

// Login levels: normal is a password alone; high is two independent factors,
// one of them one-time data (TR ACM-FU, "sichere Anmeldung").
const (
	Normal Level = "normal"
	High   Level = "high"
)

// AtLeast reports whether l is l2 or higher.
func (l Level) AtLeast(l2 Level) bool {
	return l == High || l == l2
}
