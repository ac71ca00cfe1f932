package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

var updateFixture = flag.Bool("update-fixture", false, "write testdata/v1 anew (only when the schema is first released)")

// fixtureCreds is what the fixture remembers to log in with.
type fixtureCreds struct {
	Sender, SenderPassword, Recipient, RecipientPassword string
}

// bigAttachment is over the inline limit, so the fixture holds a blob file too.
func bigAttachment() []byte { return bytes.Repeat([]byte("Anlage 0123456789\n"), 6000) }

// TestOpensDataOfVersion1 opens a data folder written by the first released
// schema and reads its letters, inline and blob bodies alike: an upgrade must
// never lose a letter or its proof (DESIGN "Storage"). Later schema versions
// add a fixture of their own beside this one.
func TestOpensDataOfVersion1(t *testing.T) {
	src := filepath.Join("testdata", "v1")
	if *updateFixture {
		writeFixture(t, src)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatalf("copy fixture: %v (regenerate with go test ./internal/provider -run OpensData -update-fixture)", err)
	}
	// git keeps no file modes but the executable bit; the key must be private.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			err = os.Chmod(path, 0o600)
		}
		return err
	})
	b, err := os.ReadFile(filepath.Join(dir, "creds.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c fixtureCreds
	json.Unmarshal(b, &c)
	ctx := context.Background()
	// What an operator runs after installing the new binary (serve would do
	// the same by itself on the embedded store).
	if from, to, err := provider.Migrate(ctx, dir, slog.New(slog.DiscardHandler)); err != nil || from != 1 || to < 2 {
		t.Fatalf("migrate version 1 data: %d -> %d, %v", from, to, err)
	}
	p, err := provider.Open(ctx, dir, provider.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open version 1 data: %v", err)
	}
	defer p.Close()
	_, pr, err := p.Auth.Login(ctx, c.Recipient, c.RecipientPassword, "")
	if err != nil {
		t.Fatalf("login with version 1 credentials: %v", err)
	}
	copies, _, err := p.Mail.List(ctx, pr, store.Inbox, nil, 10)
	if err != nil || len(copies) != 2 {
		t.Fatalf("inbox of version 1 data: %d letters, %v", len(copies), err)
	}
	// The search index, younger than the data, holds its letters.
	found, err := p.Mail.Search(ctx, pr, &mailbox.SearchRequest{Query: search.Query{Text: "anlage", From: c.Sender}})
	if err != nil || len(found.Copies) != 1 || found.Copies[0].Letter.Subject != "Mit Anlage" {
		t.Fatalf("search in version 1 data: %+v, %v", found, err)
	}
	for _, cp := range copies {
		o, err := p.Mail.Open(ctx, pr, cp.ID)
		if err != nil {
			t.Fatalf("open %q: %v", cp.Letter.Subject, err)
		}
		if err := letter.VerifyIntegrity(o.Raw); err != nil {
			t.Fatalf("%q: %v", cp.Letter.Subject, err)
		}
		if cp.Letter.Subject == "Mit Anlage" && (len(o.Message.Attachments) != 1 || !bytes.Equal(o.Message.Attachments[0].Data, bigAttachment())) {
			t.Fatalf("the blob body's attachment did not survive")
		}
	}
}

func writeFixture(t *testing.T, dir string) {
	ctx := context.Background()
	os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Valid for years: the fixture's certificate is not used by the test.
	if _, err := provider.Init(t.Context(), provider.InitOptions{Dir: dir, Domain: "v1.siegel.test", Name: "Version 1", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Bootstrap(ctx, dir, log); err != nil {
		t.Fatal(err)
	}
	cheap := account.TestArgon2()
	p, err := provider.Open(ctx, dir, provider.Options{Log: log, Argon2: &cheap})
	if err != nil {
		t.Fatal(err)
	}
	off, _, err := p.Reg.AddOfficer(ctx, "Fixture", registration.RoleOfficer)
	if err != nil {
		t.Fatal(err)
	}
	person := func(first string) (string, string) {
		acc, err := p.Reg.Apply(ctx, registration.Application{Kind: account.Person, InfoAcknowledged: true, MalwareConsent: true,
			Person: &account.PersonData{FirstNames: first, Surname: "Fixture", BirthDate: "1970-01-01", BirthPlace: "Bonn",
				Street: "Weg 1", Postcode: "53111", Town: "Bonn", Country: "DE"}})
		if err != nil {
			t.Fatal(err)
		}
		v, err := p.Reg.Verify(ctx, off, acc.ID, account.Verification{Method: account.QualifiedSignature})
		if err != nil {
			t.Fatal(err)
		}
		return acc.Address, v.Password
	}
	var c fixtureCreds
	c.Sender, c.SenderPassword = person("Anna")
	c.Recipient, c.RecipientPassword = person("Bert")
	_, pr, err := p.Auth.Login(ctx, c.Sender, c.SenderPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []mailbox.Draft{
		{To: []string{c.Recipient}, Subject: "Klein", Text: "inline", Options: letter.Options{ReceiptConfirmation: true}},
		{To: []string{c.Recipient}, Subject: "Mit Anlage", Text: "blob",
			Attachments: []letter.Attachment{{Filename: "anlage.txt", Data: bigAttachment()}}},
	} {
		if _, err := p.Mail.Submit(ctx, pr, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"siegel.lock", "siegel.url"} {
		os.Remove(filepath.Join(dir, f))
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "creds.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
