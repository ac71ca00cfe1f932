package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
// there whole or not at all. Every letter in the mailbox gets its receipt
// confirmation exactly once: node B takes over the confirmation jobs node A
// held when it died.
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
	authDir := filepath.Join(root, "authority")
	if out, err := siegel("authority", "init", "--dir", authDir, "--name", "Testbehörde"); err != nil {
		t.Fatalf("authority init: %v\n%s", err, out)
	}
	if out, err := siegel("init", "--dir", dirA, "--domain", "multi.siegel.test", "--name", "Multi", "--listen", "127.0.0.1:0",
		"--store", dbURL, "--blob-dir", blobs, "--authority", authDir); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// A dead node's jobs pass to the other after the lease: 5 s, not 1 min.
	setConfig(t, dirA, "[queue]", "lease", "'5s'")
	setConfig(t, dirA, "[malware]", "scanning", "'off'") // no clamd here (malware_blackbox_test.go)
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
	// killed once it has accepted 25 letters and holds the lease of a
	// confirmation job (found in the database); the senders go on until
	// then, and ten letters each after it.
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
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var heldAtKill int
	var killed atomic.Bool
	killA := func() {
		killOnce.Do(func() {
			// The node's name holds its process id (provider.nodeName).
			db.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE kind = 'evidence' AND leased_by LIKE $1`,
				fmt.Sprintf("%%-%d-%%", nodeA.Process.Pid)).Scan(&heldAtKill)
			nodeA.Process.Kill() // SIGKILL
			killed.Store(true)
		})
	}
	streamDone := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		for {
			mu.Lock()
			ready := acceptA >= 25
			mu.Unlock()
			var held int
			if ready {
				db.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE kind = 'evidence' AND leased_by LIKE $1 AND lease_until > now()`,
					fmt.Sprintf("%%-%d-%%", nodeA.Process.Pid)).Scan(&held)
			}
			select {
			case <-streamDone:
				killA()
				return
			default:
			}
			if held > 0 {
				killA()
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c, node := senders[w], "B"
			if w%2 == 0 {
				node = "A"
			}
			after := 0
			for i := 0; i < 400 && after < 10; i++ {
				if killed.Load() {
					after++
				}
				subject := fmt.Sprintf("Bescheid %d-%03d", w, i)
				req := &api.SendRequest{To: []string{rcpt}, Subject: subject, Text: "Sehr geehrte Frau Empfang, " + subject,
					ReceiptConfirmation: true}
				if i%3 == 0 {
					req.Attachments = []api.Attachment{{Filename: "anlage.bin", Data: big}}
				}
				_, err := c.Send(ctx, req)
				mu.Lock()
				results = append(results, result{subject, node, err})
				if err == nil && node == "A" {
					acceptA++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(streamDone)
	<-watcherDone
	t.Logf("node A held the leases of %d confirmation jobs when it was killed", heldAtKill)
	if heldAtKill == 0 {
		t.Error("node A held no confirmation job when it was killed: the takeover went untested")
	}

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

	// Each letter in the mailbox: one receipt confirmation, none twice.
	// Node B issues those node A leased before it died once their lease
	// expires.
	receipts := func() (missing, twice []string) {
		for subject, id := range ids {
			list, err := reader.Evidence(ctx, id)
			if err != nil {
				t.Fatalf("evidence of %s on node B: %v", subject, err)
			}
			switch n := len(list.Evidence); {
			case n == 0:
				missing = append(missing, subject)
			case n > 1 || list.Evidence[0].Event != "ContentConsignment":
				twice = append(twice, fmt.Sprintf("%s: %+v", subject, list.Evidence))
			}
		}
		return missing, twice
	}
	deadline := time.Now().Add(90 * time.Second)
	missing, twice := receipts()
	for len(missing) > 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		missing, twice = receipts()
	}
	if len(missing) > 0 || len(twice) > 0 {
		t.Errorf("receipt confirmations: %d letters without one %v, %d with more %v", len(missing), missing, len(twice), twice)
	}
	confirmations := map[string]int{}
	for cursor := ""; ; {
		page, err := reader.List(ctx, "confirmations", 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page.Letters {
			confirmations[strings.TrimPrefix(l.Subject, "*Eingangsbestätigung* ")]++
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	for subject := range ids {
		if confirmations[subject] != 1 {
			t.Errorf("%s: %d confirmation messages in the recipient's mailbox, want 1", subject, confirmations[subject])
		}
	}

	// Node A starts again on the same database and sees the same mailbox.
	urlA2, _ := startServe(t, bin, "--dir", dirA)
	pubA2, _ := client.New(urlA2, pem)
	page, err := pubA2.With(s.Token).List(ctx, "inbox", 1, "")
	if err != nil || len(page.Letters) != 1 {
		t.Fatalf("restarted node A lists %v, %v", page, err)
	}
	for subject, id := range ids {
		if strings.HasSuffix(subject, "-000") { // has the blob attachment
			if _, err := pubA2.With(s.Token).Attachment(ctx, id, 0); err != nil {
				t.Errorf("restarted node A reading %s's attachment from the shared folder: %v", subject, err)
			}
		}
	}
}

// setConfig sets key in the section of a data folder's siegel.toml to the
// TOML value.
func setConfig(t *testing.T, dir, section, key, value string) {
	t.Helper()
	path := filepath.Join(dir, "siegel.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	in, done := false, false
	for i, l := range lines {
		if strings.HasPrefix(l, "[") {
			in = strings.TrimSpace(l) == section
		}
		if in && strings.HasPrefix(strings.TrimSpace(l), key+" =") {
			lines[i], done = key+" = "+value, true
		}
	}
	if !done {
		t.Fatalf("%s has no %s %s", path, section, key)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
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
