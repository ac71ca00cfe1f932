package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
)

// TestTwoNodesBlackBox runs one provider as two siegel serve processes over
// one PostgreSQL database and one shared blob folder: a session opened on one
// node is valid on the other, wrong passwords spread over both nodes lock the
// account, and when one node is killed with SIGKILL in the middle of a stream
// of letters, every letter either node answered as accepted is in the
// recipient's mailbox exactly once, and a letter whose answer was lost is
// there whole or not at all.
func TestTwoNodesBlackBox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	if os.Getenv("SIEGEL_TEST_STORE") == "postgres" {
		t.Skip("always on PostgreSQL; run once, in the first pass")
	}
	dbURL := pgtest.TestURL(t)
	t.Parallel()
	bin := buildBinary(t)
	root := t.TempDir()
	dirA, dirB, blobs := filepath.Join(root, "node-a"), filepath.Join(root, "node-b"), filepath.Join(root, "shared-blobs")
	siegel := func(args ...string) (string, error) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		return string(out), err
	}
	if out, err := siegel("init", "--dir", dirA, "--domain", "multi.siegel.test", "--name", "Multi", "--listen", "127.0.0.1:0",
		"--store", dbURL, "--blob-dir", blobs); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// A second init against the same database would make a second master key.
	if out, err := siegel("init", "--dir", filepath.Join(root, "other"), "--domain", "multi.siegel.test", "--name", "Multi",
		"--store", dbURL); err == nil || !strings.Contains(out, "already holds a provider") {
		t.Fatalf("init on a used database: %v\n%s", err, out)
	}
	if out, err := siegel("migrate", "--dir", dirA); err != nil || !strings.Contains(out, "nothing to do") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	copyDir(t, dirA, dirB) // a further node is a copy of the first node's folder
	urlA, nodeA := startServe(t, bin, "--dir", dirA)
	urlB, _ := startServe(t, bin, "--dir", dirB)
	pem, err := os.ReadFile(filepath.Join(dirA, "keys", "tls.crt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := os.ReadFile(filepath.Join(dirA, "keys", "operator.token"))
	if err != nil {
		t.Fatal(err)
	}
	pubA, _ := client.New(urlA, pem)
	pubB, _ := client.New(urlB, pem)
	ctx := t.Context()
	off, err := pubB.With(strings.TrimSpace(string(tok))).AddOfficer(ctx, "Officer", "officer")
	if err != nil {
		t.Fatalf("add officer on node B with node A's bootstrap token: %v", err)
	}
	officer := pubA.With(off.Token)
	open := func(app *api.ApplicationRequest) (string, string) {
		res, err := pubA.Apply(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		v, err := officer.Verify(ctx, res.ID, &api.VerifyRequest{Method: "qualified_signature"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Address, v.InitialPassword
	}

	// A session from node A works on node B.
	rcpt, rcptPW := open(providertest.PersonApp("Rita", "Empfang"))
	s, err := pubA.Login(ctx, rcpt, rcptPW, "")
	if err != nil {
		t.Fatal(err)
	}
	reader := pubB.With(s.Token)
	if _, err := reader.Session(ctx); err != nil {
		t.Fatalf("node A's session on node B: %v", err)
	}
	// Three wrong passwords, spread over both nodes, lock the account on both.
	victim, victimPW := open(providertest.PersonApp("Lukas", "Sperre"))
	for i, pub := range []*client.Client{pubA, pubB, pubA} {
		if _, err := pub.Login(ctx, victim, "wrong password", ""); err == nil {
			t.Fatalf("wrong password %d accepted", i+1)
		}
	}
	var ce *client.Error
	if _, err := pubB.Login(ctx, victim, victimPW, ""); !errors.As(err, &ce) || ce.Code != "locked" {
		t.Fatalf("the right password after three failures on two nodes: %v, want locked", err)
	}

	// The stream: four senders, letters alternately through both nodes, some
	// with a large attachment that goes to the shared blob folder. Node A is
	// killed once it has accepted 25 letters.
	type result struct {
		subject string
		node    string
		err     error
	}
	var senders []*client.Client
	for i := range 4 {
		addr, pw := open(providertest.OrgApp("organisation", fmt.Sprintf("Versand %d GmbH", i), false))
		s, err := pubA.Login(ctx, addr, pw, "")
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, pubA.With(s.Token), pubB.With(s.Token))
	}
	big := make([]byte, 100<<10)
	var (
		mu       sync.Mutex
		results  []result
		acceptA  int
		killOnce sync.Once
	)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c, node := senders[w], "B"
			if w%2 == 0 {
				node = "A"
			}
			for i := range 10 {
				subject := fmt.Sprintf("Bescheid %d-%02d", w, i)
				req := &api.SendRequest{To: []string{rcpt}, Subject: subject, Text: "Sehr geehrte Frau Empfang, " + subject}
				if i%3 == 0 {
					req.Attachments = []api.Attachment{{Filename: "anlage.bin", Data: big}}
				}
				_, err := c.Send(ctx, req)
				mu.Lock()
				results = append(results, result{subject, node, err})
				if err == nil && node == "A" {
					acceptA++
					if acceptA == 25 {
						killOnce.Do(func() { nodeA.Process.Kill() }) // SIGKILL
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	inbox := map[string]int{}
	ids := map[string]string{}
	for cursor := ""; ; {
		page, err := reader.List(ctx, "inbox", 100, cursor)
		if err != nil {
			t.Fatalf("list on node B: %v", err)
		}
		for _, l := range page.Letters {
			inbox[l.Subject]++
			ids[l.Subject] = l.ID
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	var accepted, lostA, lostB int
	for _, r := range results {
		n := inbox[r.subject]
		switch {
		case r.err == nil:
			accepted++
			if n != 1 {
				t.Errorf("%s accepted by node %s is in the inbox %d times", r.subject, r.node, n)
			}
		case n > 1:
			t.Errorf("%s (failed on node %s: %v) is in the inbox %d times", r.subject, r.node, r.err, n)
		case n == 1:
			// Accepted, but the answer was lost with node A: it must be whole.
			l, err := reader.Letter(ctx, ids[r.subject])
			if err != nil || !strings.HasSuffix(l.Text, r.subject) {
				t.Errorf("%s, answer lost, is in the inbox but cannot be read whole: %v", r.subject, err)
			}
		}
		if r.err != nil && r.node == "A" {
			lostA++
		}
		if r.err != nil && r.node == "B" {
			lostB++
			t.Errorf("%s failed on node B, which kept running: %v", r.subject, r.err)
		}
	}
	if acceptA < 25 || lostA == 0 {
		t.Errorf("node A accepted %d and failed %d letters: the kill did not come mid-stream", acceptA, lostA)
	}
	t.Logf("%d letters accepted, %d failed with node A, %d on node B", accepted, lostA, lostB)

	// Node A starts again on the same database and sees the same mailbox.
	urlA2, _ := startServe(t, bin, "--dir", dirA)
	pubA2, _ := client.New(urlA2, pem)
	page, err := pubA2.With(s.Token).List(ctx, "inbox", 1, "")
	if err != nil || len(page.Letters) != 1 {
		t.Fatalf("restarted node A lists %v, %v", page, err)
	}
	for subject, id := range ids {
		if strings.HasSuffix(subject, "-00") { // has the blob attachment
			if _, err := pubA2.With(s.Token).Attachment(ctx, id, 0); err != nil {
				t.Errorf("restarted node A reading %s's attachment from the shared folder: %v", subject, err)
			}
		}
	}
}

// copyDir copies a node's data folder, as an operator adds a node; the lock
// and URL files belong to the running node, not to the copy.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if rel == "siegel.lock" || rel == "siegel.url" {
			return nil
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
