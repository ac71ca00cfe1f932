package letter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// senders used by the option tables.
var (
	personNormal   = Sender{Address: "a.b@x.example", Kind: account.Person, Level: account.Normal}
	personHigh     = Sender{Address: "a.b@x.example", Kind: account.Person, Level: account.High}
	pseudoNormal   = Sender{Address: "pn_x@x.example", Kind: account.Person, Pseudonym: true, Level: account.Normal}
	pseudoHigh     = Sender{Address: "pn_x@x.example", Kind: account.Person, Pseudonym: true, Level: account.High}
	orgNormal      = Sender{Address: "info@firma.example", Kind: account.Organisation, Level: account.Normal}
	orgHigh        = Sender{Address: "info@firma.example", Kind: account.Organisation, Level: account.High}
	authNormal     = Sender{Address: "post@amt.example", Kind: account.Authority, Level: account.Normal}
	authHigh       = Sender{Address: "post@amt.example", Kind: account.Authority, Level: account.High}
	formalNormal   = Sender{Address: "post@amt.example", Kind: account.Authority, FormalService: true, Level: account.Normal}
	formalHigh     = Sender{Address: "post@amt.example", Kind: account.Authority, FormalService: true, Level: account.High}
	personFormalHi = Sender{Address: "a.b@x.example", Kind: account.Person, FormalService: true, Level: account.High}
	orgFormalHigh  = Sender{Address: "info@firma.example", Kind: account.Organisation, FormalService: true, Level: account.High}
	unknownLevel   = Sender{Address: "post@amt.example", Kind: account.Authority, FormalService: true}
)

type wantProblem struct {
	kind  problem.Kind
	field string
	code  string
}

var ok = wantProblem{}

func checkProblem(t *testing.T, err error, want wantProblem) {
	t.Helper()
	if want == ok {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	p := problem.As(err)
	if p == nil {
		t.Fatalf("got %v, want problem %+v", err, want)
	}
	if p.Kind != want.kind || p.Field != want.field || p.Code != want.code {
		t.Fatalf("got kind %d field %q code %q (%v), want %+v", p.Kind, p.Field, p.Code, err, want)
	}
	if p.Message == "" {
		t.Fatal("problem without message")
	}
}

func TestCheckOptions(t *testing.T) {
	t.Parallel()
	forbidden := func(field, code string) wantProblem { return wantProblem{problem.Forbidden, field, code} }
	invalid := func(field, code string) wantProblem { return wantProblem{problem.Invalid, field, code} }
	tests := []struct {
		name string
		s    Sender
		o    Options
		want wantProblem
	}{
		{"none/person normal", personNormal, Options{}, ok},
		{"none/pseudonym normal", pseudoNormal, Options{}, ok},

		// personal: sender must be at high (DMG §5(4); TR PVD-FU §3.3.1).
		{"personal/person normal", personNormal, Options{Personal: true}, forbidden("personal", "login_level")},
		{"personal/person high", personHigh, Options{Personal: true}, ok},
		{"personal/pseudonym normal", pseudoNormal, Options{Personal: true}, forbidden("personal", "login_level")},
		{"personal/pseudonym high", pseudoHigh, Options{Personal: true}, ok},
		{"personal/organisation normal", orgNormal, Options{Personal: true}, forbidden("personal", "login_level")},
		{"personal/organisation high", orgHigh, Options{Personal: true}, ok},
		{"personal/authority normal", authNormal, Options{Personal: true}, forbidden("personal", "login_level")},
		{"personal/authority high", authHigh, Options{Personal: true}, ok},
		{"personal/unknown level", unknownLevel, Options{Personal: true}, forbidden("personal", "login_level")},

		// sender-confirmed: high and no pseudonym (TR PVD-FU §3.3.2).
		{"confirmed/person normal", personNormal, Options{SenderConfirmed: true}, forbidden("sender_confirmed", "login_level")},
		{"confirmed/person high", personHigh, Options{SenderConfirmed: true}, ok},
		{"confirmed/pseudonym high", pseudoHigh, Options{SenderConfirmed: true}, forbidden("sender_confirmed", "pseudonym")},
		{"confirmed/pseudonym normal: pseudonym first", pseudoNormal, Options{SenderConfirmed: true}, forbidden("sender_confirmed", "pseudonym")},
		{"confirmed/organisation normal", orgNormal, Options{SenderConfirmed: true}, forbidden("sender_confirmed", "login_level")},
		{"confirmed/organisation high", orgHigh, Options{SenderConfirmed: true}, ok},
		{"confirmed/authority normal", authNormal, Options{SenderConfirmed: true}, forbidden("sender_confirmed", "login_level")},
		{"confirmed/authority high", authHigh, Options{SenderConfirmed: true}, ok},

		// dispatch and receipt confirmations: open to everyone at every level.
		{"dispatch/person normal", personNormal, Options{DispatchConfirmation: true}, ok},
		{"dispatch/pseudonym normal", pseudoNormal, Options{DispatchConfirmation: true}, ok},
		{"dispatch/organisation normal", orgNormal, Options{DispatchConfirmation: true}, ok},
		{"dispatch/authority normal", authNormal, Options{DispatchConfirmation: true}, ok},
		{"dispatch/person high", personHigh, Options{DispatchConfirmation: true}, ok},
		{"receipt/person normal", personNormal, Options{ReceiptConfirmation: true}, ok},
		{"receipt/pseudonym normal", pseudoNormal, Options{ReceiptConfirmation: true}, ok},
		{"receipt/organisation normal", orgNormal, Options{ReceiptConfirmation: true}, ok},
		{"receipt/authority normal", authNormal, Options{ReceiptConfirmation: true}, ok},
		{"receipt/pseudonym high", pseudoHigh, Options{ReceiptConfirmation: true}, ok},
		{"dispatch+receipt/person normal", personNormal, Options{DispatchConfirmation: true, ReceiptConfirmation: true}, ok},

		// pickup: entitled authority at high; implies personal (TR PVD-FU §3.3.5).
		{"pickup/person high", personHigh, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/person normal", personNormal, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/pseudonym high", pseudoHigh, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/person flagged formal", personFormalHi, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/organisation high", orgHigh, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/organisation flagged formal", orgFormalHigh, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/authority not entitled high", authHigh, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/authority not entitled normal", authNormal, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"pickup/entitled normal", formalNormal, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "login_level")},
		{"pickup/entitled unknown level", unknownLevel, Options{PickupConfirmation: true}, forbidden("pickup_confirmation", "login_level")},
		{"pickup/entitled high", formalHigh, Options{PickupConfirmation: true}, ok},
		{"pickup+personal/entitled normal", formalNormal, Options{PickupConfirmation: true, Personal: true}, forbidden("pickup_confirmation", "login_level")},

		// combinations and the order of rules.
		{"all/entitled high", formalHigh, Options{true, true, true, true, true, "Az. 1"}, ok},
		{"all/entitled normal", formalNormal, Options{true, true, true, true, true, "Az. 1"}, forbidden("pickup_confirmation", "login_level")},
		{"personal+confirmed/person normal", personNormal, Options{Personal: true, SenderConfirmed: true}, forbidden("personal", "login_level")},
		{"personal+confirmed/pseudonym normal", pseudoNormal, Options{Personal: true, SenderConfirmed: true}, forbidden("sender_confirmed", "pseudonym")},
		{"pickup+confirmed/pseudonym", pseudoHigh, Options{PickupConfirmation: true, SenderConfirmed: true}, forbidden("pickup_confirmation", "not_entitled")},
		{"rules before private id", personNormal, Options{Personal: true, PrivateID: "a\nb"}, forbidden("personal", "login_level")},

		// private id: ≤ 1024 characters, no control characters (TR PVD-IO §3.1.17).
		{"private id/empty", personNormal, Options{PrivateID: ""}, ok},
		{"private id/1024 umlauts", personNormal, Options{PrivateID: strings.Repeat("ä", 1024)}, ok},
		{"private id/1025", personNormal, Options{PrivateID: strings.Repeat("a", 1025)}, invalid("private_id", "too_long")},
		{"private id/LF", personNormal, Options{PrivateID: "Az. 1\nBcc: x@y"}, invalid("private_id", "syntax")},
		{"private id/CR", personNormal, Options{PrivateID: "Az. 1\r"}, invalid("private_id", "syntax")},
		{"private id/TAB", personNormal, Options{PrivateID: "Az.\t1"}, invalid("private_id", "syntax")},
		{"private id/NUL", personNormal, Options{PrivateID: "Az.\x001"}, invalid("private_id", "syntax")},
		{"private id/C1", personNormal, Options{PrivateID: "Az.\u00851"}, invalid("private_id", "syntax")},
		{"private id/U+FFFE", personNormal, Options{PrivateID: "Az.\ufffe1"}, invalid("private_id", "syntax")},
		{"private id/U+FFFF", personNormal, Options{PrivateID: "Az.\uffff1"}, invalid("private_id", "syntax")},
		{"private id/not UTF-8", personNormal, Options{PrivateID: "Az.\xff"}, invalid("private_id", "syntax")},
		{"private id/too long before syntax", personNormal, Options{PrivateID: strings.Repeat("\n", 1025)}, invalid("private_id", "too_long")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblem(t, CheckOptions(tt.s, tt.o), tt.want)
		})
	}
}

// TestCheckOptionsExhaustive runs every option against every sender shape and
// compares with SPEC's table, read row by row: each rule that applies to a
// chosen option must hold, and the letter is refused exactly when one does not.
func TestCheckOptionsExhaustive(t *testing.T) {
	t.Parallel()
	kinds := []account.Kind{account.Person, account.Organisation, account.Authority}
	levels := []account.Level{account.Normal, account.High}
	for mask := range 1 << 5 {
		o := Options{
			Personal: mask&1 != 0, SenderConfirmed: mask&2 != 0, DispatchConfirmation: mask&4 != 0,
			ReceiptConfirmation: mask&8 != 0, PickupConfirmation: mask&16 != 0,
		}
		for _, k := range kinds {
			for _, l := range levels {
				for _, pn := range []bool{false, true} {
					for _, formal := range []bool{false, true} {
						s := Sender{Kind: k, Level: l, Pseudonym: pn, FormalService: formal}
						high := l == account.High
						allowed := (!o.Personal || high) &&
							(!o.SenderConfirmed || high && !pn) &&
							(!o.PickupConfirmation || high && k == account.Authority && formal)
						err := CheckOptions(s, o)
						name := fmt.Sprintf("%+v %+v", o, s)
						if allowed != (err == nil) {
							t.Errorf("%s: allowed=%v, got %v", name, allowed, err)
						}
						if p := problem.As(err); err != nil && (p == nil || p.Kind != problem.Forbidden) {
							t.Errorf("%s: %v is not Forbidden", name, err)
						}
					}
				}
			}
		}
	}
}

func TestNormalizeAndRequiredLevel(t *testing.T) {
	t.Parallel()
	if o := (Options{PickupConfirmation: true}).Normalize(); !o.Personal {
		t.Error("pickup does not imply personal")
	}
	if o := (Options{ReceiptConfirmation: true}).Normalize(); o.Personal {
		t.Error("receipt implies personal")
	}
	for _, tt := range []struct {
		o    Options
		want account.Level
	}{
		{Options{}, account.Normal},
		{Options{DispatchConfirmation: true, ReceiptConfirmation: true, SenderConfirmed: true}, account.Normal},
		{Options{Personal: true}, account.High},
		{Options{PickupConfirmation: true}, account.High},
	} {
		if got := tt.o.RequiredLevel(); got != tt.want {
			t.Errorf("%+v: RequiredLevel = %s, want %s", tt.o, got, tt.want)
		}
	}
}

func TestCheckRecipient(t *testing.T) {
	t.Parallel()
	low := RecipientInfo{Address: "e.m@y.example"}
	high := RecipientInfo{Address: "e.m@y.example", CanLoginHigh: true}
	refused := wantProblem{problem.Forbidden, "", "recipient_level"}
	tests := []struct {
		name string
		o    Options
		r    RecipientInfo
		want wantProblem
	}{
		{"plain to low", Options{}, low, ok},
		{"confirmations to low", Options{SenderConfirmed: true, DispatchConfirmation: true, ReceiptConfirmation: true}, low, ok},
		{"personal to low", Options{Personal: true}, low, refused},
		{"personal to high", Options{Personal: true}, high, ok},
		{"pickup to low", Options{PickupConfirmation: true}, low, refused},
		{"pickup to high", Options{PickupConfirmation: true}, high, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblem(t, CheckRecipient(tt.o, tt.r), tt.want)
		})
	}
	err := problem.WithField(CheckRecipient(Options{Personal: true}, low), "cc[3]")
	if p := problem.As(err); p == nil || p.Field != "cc[3]" || !strings.Contains(p.Message, low.Address) {
		t.Errorf("WithField: got %v", err)
	}
}
