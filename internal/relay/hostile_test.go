package relay_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/relay"
	"github.com/siegel-mail/siegel/internal/store"
)

// TestReceiveRefusals hands the receiving provider what an honest sending
// provider never sends, over the real connection between the two: each is
// refused for good with its enhanced status code, and nothing is stored.
func TestReceiveRefusals(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Argwohn", true), true)
	erika := f.b.Open(pt.PersonApp("Erika", "Vorsicht"), true)
	list, _ := f.a.P.Trust.Current()
	b, ok := list.Lookup("b.siegel.test")
	if !ok {
		t.Fatal("b is not on the list")
	}
	now := f.Clock.Now()
	build := func(from string, seal letter.Sealer, o letter.Options) []byte {
		m, err := letter.Build(letter.Draft{MessageID: store.NewID(now), From: from, To: []string{erika.Address},
			Subject: "Prüfung", Text: "Inhalt", Options: o, AuthLevel: account.High, Provider: "a.siegel.test",
			Date: now, Seal: seal})
		if err != nil {
			t.Fatal(err)
		}
		return m.Bytes(letter.ViewRecipient, "")
	}
	sealed := func(msg []byte) []byte {
		env, err := relay.Seal(msg, city.Address, erika.Address, store.NewID(now), now, b.TLS)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	good := build(city.Address, nil, letter.Options{})
	tampered := bytes.Replace(bytes.Clone(good), []byte("Inhalt"), []byte("Anders"), 1)
	for _, c := range []struct {
		name, enhanced string
		msg            []byte
	}{
		{"not encrypted", "5.7.5", good},
		{"encrypted to another key", "5.7.5", func() []byte {
			a, _ := list.Lookup("a.siegel.test")
			env, err := relay.Seal(good, city.Address, erika.Address, "x", now, a.TLS)
			if err != nil {
				t.Fatal(err)
			}
			return env
		}()},
		{"not a message inside", "5.6.0", sealed([]byte("no header here"))},
		{"body changed", "5.7.7", sealed(tampered)},
		{"From at another provider", "5.7.1", sealed(build("jemand@b.siegel.test", nil, letter.Options{}))},
		{"sealed by another provider's seal", "5.7.7",
			sealed(build(city.Address, f.b.P.Seal, letter.Options{SenderConfirmed: true}))},
		{"a confirmation that does not verify", "5.7.7", sealed(bytes.Replace(bytes.Clone(good),
			[]byte("X-de-mail-message-type: normal"), []byte("X-de-mail-message-type: confirmation of receipt"), 1))},
	} {
		err := f.a.P.Relay.Send(ctx, "b.siegel.test", city.Address, []string{erika.Address}, c.msg)
		var rej *federation.RejectError
		if !errors.As(err, &rej) || rej.Enhanced != c.enhanced {
			t.Errorf("%s: %v, want a refusal %s", c.name, err, c.enhanced)
		}
	}
	l, err := login(t, f.b, erika, true).List(ctx, "inbox", 10, "")
	if err != nil || len(l.Letters) != 0 {
		t.Fatalf("stored after refusals: %v %+v", err, l)
	}
	// And the same letter, honestly sealed, is taken.
	if err := f.a.P.Relay.Send(ctx, "b.siegel.test", city.Address, []string{erika.Address},
		sealed(build(city.Address, f.a.P.Seal, letter.Options{SenderConfirmed: true}))); err != nil {
		t.Fatalf("a sealed letter: %v", err)
	}
}

// TestFederationRecipientRules: the receiving provider refuses a closed
// account and a recipient who cannot log in at high for a personal letter;
// the sender gets ContentConsignmentFailure evidence with the reason.
func TestFederationRecipientRules(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Regel", true), true)
	closed := f.b.Open(pt.PersonApp("Carl", "Geschlossen"), true)
	normal := f.b.Open(pt.PersonApp("Nina", "Ohnezweit"), false)
	if _, err := f.b.Operator.Close(ctx, closed.ID, "moved away"); err != nil {
		t.Fatal(err)
	}
	cityC := city.High()
	for _, c := range []struct {
		to, reason string
		personal   bool
	}{{closed.Address, "closed-account", false}, {normal.Address, "other", true}} {
		sent, err := cityC.Send(ctx, &api.SendRequest{To: []string{c.to}, Subject: "Regel", Text: "?",
			Personal: c.personal, ReceiptConfirmation: true})
		if err != nil {
			t.Fatal(err)
		}
		f.settle(t)
		evs := events(t, cityC, sent.ID)
		wantNames(t, evs, "ContentConsignmentFailure")
		f.verifyAll(t, cityC, evs)
		got := reasonsOf(t, f, cityC, evs[0].ID)
		if len(got) != 1 || got[0][:len(c.reason)+1] != c.reason+":" {
			t.Errorf("to %s: reasons %v, want %s", c.to, got, c.reason)
		}
	}
}

func reasonsOf(t *testing.T, f *fed, c interface {
	EvidenceFile(context.Context, string) ([]byte, error)
}, id string) []string {
	t.Helper()
	file, err := c.EvidenceFile(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return check(t, f, file).Reasons
}

// TestFederationRevoked: once the authority revokes A, B refuses A at the
// handshake as soon as B's list says so, and A, once its own list says so,
// refuses letters to other providers at submission with a clear reason.
func TestFederationRevoked(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Entzug", true), true)
	erika := f.b.Open(pt.PersonApp("Erika", "Entzug"), true)
	cityC := city.High()
	auth, err := pki.LoadAuthority(f.Authority)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Revoke("a.siegel.test", "Akkreditierung entzogen", f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Second) // a list newer than the one the providers have
	if err := f.b.P.Trust.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// A does not know yet: it accepts, and B refuses the handover.
	if _, err := cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Nach Entzug", Text: "?"}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	q, err := f.a.Operator.Queue(ctx, "relay", true, 10, "")
	if err != nil || len(q.Jobs) != 1 || !strings.Contains(q.Jobs[0].LastError, "TLS") && !strings.Contains(q.Jobs[0].LastError, "certificate") {
		t.Fatalf("A's handover after the revocation: %v %+v", err, q)
	}
	if l, err := login(t, f.b, erika, false).List(ctx, "inbox", 10, ""); err != nil || len(l.Letters) != 0 {
		t.Fatalf("B took a letter from a revoked provider: %v %+v", err, l)
	}
	// Once A's own list says so, it refuses such letters at once.
	if err := f.a.P.Trust.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Noch einer", Text: "?"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Status != 503 || pe.Code != "not_accredited" || pe.Field != "to[0]" {
		t.Fatalf("a letter to another provider from a revoked one: %v", err)
	}
}
