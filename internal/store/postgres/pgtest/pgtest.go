// Package pgtest gives tests a PostgreSQL schema of their own, so that tests
// of the PostgreSQL store, and of whatever runs on it, run in parallel on one
// database without seeing each other's rows.
//
// The database is the one SIEGEL_TEST_POSTGRES names, a postgres:// URL of a
// role that may create schemas. Without it the tests skip, except under CI
// (CI set), where skipping would hide that they never ran.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that holds the test database's URL.
const Env = "SIEGEL_TEST_POSTGRES"

// BaseURL returns the test database's URL as SIEGEL_TEST_POSTGRES gives it,
// or skips t (fails it under CI) when that is unset.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is unset under CI: the PostgreSQL tests would not run", Env)
		}
		t.Skipf("set %s=postgres://… to run the PostgreSQL tests", Env)
	}
	return base
}

// TestURL creates a schema of t's own in the test database, drops it when t
// ends, and returns the database's URL with search_path set to it: everything
// that connects with that URL creates and finds its tables there.
func TestURL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "siegeltest_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()
	Exec(t, base, "CREATE SCHEMA "+ident)
	t.Cleanup(func() { Exec(t, base, "DROP SCHEMA "+ident+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs statements on a connection of their own to the database at
// dbURL, failing t when they fail. It works in t.Cleanup too.
func Exec(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	// Not t.Context(): it has ended by the time cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
