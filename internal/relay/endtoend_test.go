package relay_test

import (
	"bytes"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/letter"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/relay"
	"github.com/siegel-mail/siegel/internal/store"
)

// TestEndToEndPassThrough: a letter its sender's client signed or encrypted
// (S/MIME, OpenPGP) comes from another provider and is stored byte for byte
// as sent: its integrity value still verifies, the raw export gives the same
// bytes, and the API says how it is protected (TR PVD-FU §3.2.2). It can be
// forwarded, with the protected parts carried as they came.
func TestEndToEndPassThrough(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Geheim", false), false)
	erika := f.b.Open(pt.PersonApp("Erika", "Ende"), false)
	list, _ := f.a.P.Trust.Current()
	b, _ := list.Lookup("b.siegel.test")
	now := f.Clock.Now()
	sent := map[string][]byte{}
	for _, kind := range pt.EndToEndKinds {
		msg, err := pt.EndToEndLetter(kind, city.Address, erika.Address, "a.siegel.test", kind, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := letter.CheckIntegrity(msg); err != nil {
			t.Fatalf("%s as sent: %v", kind, err)
		}
		env, err := relay.Seal(msg, city.Address, erika.Address, store.NewID(now), now, b.TLS)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.a.P.Relay.Send(ctx, "b.siegel.test", city.Address, []string{erika.Address}, env); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		sent[kind] = msg
	}
	c := login(t, f.b, erika, false)
	l, err := c.List(ctx, "inbox", 10, "")
	if err != nil || len(l.Letters) != len(sent) {
		t.Fatalf("inbox: %v %+v", err, l)
	}
	for _, s := range l.Letters {
		kind := s.Subject
		got, err := c.Letter(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EndToEnd != kind {
			t.Errorf("%s: end_to_end %q", kind, got.EndToEnd)
		}
		raw, err := c.Raw(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, sent[kind]) {
			t.Errorf("%s: stored bytes differ from those sent:\n%s\n----\n%s", kind, raw, sent[kind])
		}
		if _, err := letter.CheckIntegrity(raw); err != nil {
			t.Errorf("%s: integrity as stored: %v", kind, err)
		}
	}
	// Forwarded here, the encrypted content goes on as it came.
	var enc string
	for _, s := range l.Letters {
		if s.Subject == letter.SMIMEEncrypted {
			enc = s.ID
		}
	}
	hans := f.b.Open(pt.PersonApp("Hans", "Weiter"), false)
	if _, err := c.Send(ctx, &api.SendRequest{Forward: enc, To: []string{hans.Address}}); err != nil {
		t.Fatal(err)
	}
	hc := login(t, f.b, hans, false)
	hl, _ := hc.List(ctx, "inbox", 10, "")
	fw, err := hc.Letter(ctx, hl.Letters[0].ID)
	if err != nil || len(fw.AttachmentList) != 1 || fw.AttachmentList[0].Filename != "smime.p7m" || fw.EndToEnd != "" ||
		!bytes.Contains([]byte(fw.Text), []byte("End-to-end protected: smime-encrypted")) {
		t.Fatalf("forward: %v %+v", err, fw)
	}
}
