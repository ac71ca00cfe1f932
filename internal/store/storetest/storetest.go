// Package storetest is the conformance suite every store.Store implementation must
// pass (DESIGN "Tests": one suite, every implementation). SQLite runs it now and
// PostgreSQL will run the same suite, so it checks behaviour only through the
// store.Store and store.Tx interfaces: what only one implementation can show
// (files, migrations, hooks) belongs in that implementation's own tests.
//
// What the suite holds implementations to, beyond the comments in package store:
//
//   - Times come back equal to what was stored, at microsecond precision, in UTC;
//     a zero time comes back zero. (The suite stores times that already are at
//     microsecond precision, so rounding and truncating stores both pass.)
//   - A nil and an empty byte slice are the same value: either may come back for
//     either, and a nil slice is accepted where bytes are required.
//   - Reading a record that does not exist returns an error wrapping
//     store.ErrNotFound; a write that would break a uniqueness rule (an id, an
//     address, a message id, an officer's token hash, a history sequence number)
//     returns one wrapping store.ErrConflict. Listing nothing is not an error.
//   - A function passed to Update may handle an error of its own writes (say
//     ErrConflict) and carry on: the failed write does not spoil the rest of the
//     transaction.
//   - Update returns the function's error (errors.Is finds it), undoes that
//     function's writes and only those, and returns only once the writes of a
//     successful function are visible to every later View. A function that
//     panics fails its own caller, either with an error or by re-panicking in the
//     caller's goroutine, and nobody else.
//   - Every write method fails inside View.
//   - The only references a store may enforce are a session's account and a
//     copy's letter: the suite inserts those parents first, and otherwise names
//     accounts, letters and copies it never inserted (an event outlives the copy
//     it is about; usage and history are keyed by account id alone).
//
// Whether UpdateAccount, UpdateSession or UpdateCopy report a record that does
// not exist is not pinned down yet; deleting one that does not exist is no error.
//
// Functions passed to Update may run on another goroutine (SQLite runs them on
// its committer), so the suite never calls t.Fatal inside them: they return
// errors or record what they saw, and the test goroutine checks afterwards.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

// Run runs the suite. open must return a new, empty store for each call; it gets
// the subtest's t, so it can use t.TempDir and t.Cleanup (and should close the
// store there). Subtests call t.Parallel, so open must be safe to call
// concurrently.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Accounts", accountTests},
		{"History", historyTests},
		{"DailyUsage", usageTests},
		{"Officers", officerTests},
		{"Sessions", sessionTests},
		{"Letters", letterTests},
		{"Transactions", txTests},
		{"Accept", acceptTests},
		{"Queue", queueTests},
		{"Evidence", evidenceTests},
		{"QueueAdmin", queueAdminTests},
		{"Passkeys", passkeyTests},
		{"Contacts", contactTests},
		{"Folders", folderTests},
		{"Search", searchTests},
		{"Quota", quotaTests},
		{"Forwarding", forwardTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, open(t))
				})
			}
		})
	}
}

type test struct {
	name string
	fn   func(*testing.T, store.Store)
}

// t0 is the suite's reference time: microsecond precision, and deliberately not
// in UTC, so that a store that keeps the zone (or drops the microseconds) shows.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.FixedZone("CET", 3600))

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// update runs fn in an Update and fails the test when it returns an error.
func update(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test when it returns an error.
func view(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// check reports every difference between got and want (see diff).
func check(t testing.TB, what string, got, want any) {
	t.Helper()
	for _, d := range diff(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// diff lists how got differs from want, field by field. Times compare with
// Equal, and a non-zero time in got must be in UTC; byte slices compare by
// content, so nil equals empty; pointers compare by what they point to.
func diff(got, want any) []string {
	var out []string
	diffValue(&out, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return out
}

func diffValue(out *[]string, path string, g, w reflect.Value) {
	name := path
	if name == "" {
		name = "value"
	}
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", name, g, w))
		}
		return
	}
	if g.Type() != w.Type() {
		*out = append(*out, fmt.Sprintf("%s: got type %s, want %s", name, g.Type(), w.Type()))
		return
	}
	switch {
	case g.Type() == timeType:
		gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
		switch {
		case !gt.Equal(wt):
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", name, fmtTime(gt), fmtTime(wt)))
		case !gt.IsZero() && gt.Location() != time.UTC:
			*out = append(*out, fmt.Sprintf("%s: got %s, want it in UTC", name, fmtTime(gt)))
		}
		return
	case g.Type() == bytesType || (g.Kind() == reflect.Slice && g.Type().Elem().Kind() == reflect.Uint8):
		if !bytes.Equal(g.Bytes(), w.Bytes()) {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", name, fmtBytes(g.Bytes()), fmtBytes(w.Bytes())))
		}
		return
	}
	switch g.Kind() {
	case reflect.Pointer:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %v, want %v", name, nilness(g), nilness(w)))
			}
			return
		}
		diffValue(out, path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			f := g.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			diffValue(out, p, g.Field(i), w.Field(i))
		}
	case reflect.Slice:
		if g.Len() != w.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %d elements, want %d", name, g.Len(), w.Len()))
			return
		}
		for i := range g.Len() {
			diffValue(out, fmt.Sprintf("%s[%d]", name, i), g.Index(i), w.Index(i))
		}
	default:
		if !g.Equal(w) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", name, g.Interface(), w.Interface()))
		}
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero time"
	}
	return t.Format(time.RFC3339Nano)
}

func fmtBytes(b []byte) string {
	if len(b) <= 64 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes %q…", len(b), b[:48])
}

func nilness(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return "non-nil"
}

// Fixtures. Every field is set, so a column the store forgets shows up.

func newAccount(id, addr string) *store.Account {
	return &store.Account{
		ID:          id,
		Address:     addr,
		Kind:        account.Person,
		DisplayName: "Erika Mustermann",
		Holder:      []byte(`{"given_name":"Erika","family_name":"Mustermann"}`),
		Status:      account.Active,
		CreatedAt:   t0,
	}
}

func fullAccount(id, addr string) *store.Account {
	return &store.Account{
		ID:               id,
		Address:          addr,
		Kind:             account.Organisation,
		Pseudonym:        true,
		DisplayName:      "Beispiel GmbH – Poststelle",
		Holder:           []byte(`{"name":"Beispiel GmbH","register":"HRB 12345"}`),
		FormalService:    true,
		Status:           account.Verified,
		Block:            account.HighBlock,
		BlockReason:      "Ausweis abgelaufen",
		Verification:     []byte(`{"method":"eid","officer":"off-1"}`),
		ConfirmedBy:      "off-2",
		ConfirmedAt:      at(time.Hour),
		InfoAcknowledged: true,
		MalwareConsent:   true,
		PasswordHash:     "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		TOTPSecret:       []byte{0, 1, 2, 0xfe, 0xff},
		TOTPEnabled:      true,
		TOTPLastStep:     58_123_456,
		Failures:         2,
		Lockouts:         1,
		LockedUntil:      at(2 * time.Hour),
		LastLockAt:       at(90 * time.Minute),
		CreatedAt:        t0,
		VerifiedAt:       at(3 * time.Hour),
		ActivatedAt:      at(4 * time.Hour),
		ClosedAt:         at(5 * time.Hour),
	}
}

func newLetter(id, msgID, senderID string) *store.Letter {
	return &store.Letter{
		ID:                   id,
		MessageID:            msgID,
		SenderID:             senderID,
		SenderAddress:        "sender@example.de-mail.de",
		Subject:              "Bescheid über Ihren Antrag vom 1. März",
		Personal:             true,
		SenderConfirmed:      true,
		DispatchConfirmation: true,
		ReceiptConfirmation:  true,
		PickupConfirmation:   true,
		PrivateID:            "AZ 4711/25",
		AuthLevel:            account.High,
		Recipients:           []byte(`{"to":["a@example.de-mail.de"],"cc":[],"bcc":["b@example.de-mail.de"]}`),
		Attachments:          3,
		BodyBlob:             "blob-" + id,
		BodySize:             123_456_789_012,
		BodyHash:             bytes.Repeat([]byte{0xab, 0x00}, 16),
		SubmittedAt:          t0,
	}
}

func newCopy(id, letterID, accountID string, folder store.Folder, arrived time.Time) *store.Copy {
	role := "to"
	if folder == store.Sent {
		role = "sender"
	}
	return &store.Copy{
		ID:        id,
		LetterID:  letterID,
		AccountID: accountID,
		Folder:    folder,
		Role:      role,
		Header:    []byte("From: sender@example.de-mail.de\r\nSubject: " + id + "\r\n"),
		Arrived:   arrived,
	}
}
