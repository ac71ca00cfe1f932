package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// downTSA is a time-stamping service that cannot be reached.
type downTSA struct{}

func (downTSA) Timestamp(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("TSA unreachable: connection refused")
}

// TestCLIQueue: an operator sees a confirmation job that failed (the TSA
// was down) with its error, retries it once the TSA is back, and the queue
// empties; an officer who is no operator may not look; a job that is not
// there is named.
func TestCLIQueue(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	ctx := t.Context()
	opFile := filepath.Join(e.Dir, "keys", "operator.token")
	admin := []string{"--server", e.URL, "--token-file", opFile}
	anna := e.Open(pt.PersonApp("Anna", "Warteschlange"), true)
	ben := e.Open(pt.PersonApp("Ben", "Warteschlange"), false)
	sent, err := anna.High().Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "s", Text: "t",
		ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	tsa := e.P.Confirm.TSA
	e.P.Confirm.TSA = downTSA{}
	if _, err := e.P.RunQueues(ctx); err != nil {
		t.Fatal(err)
	}
	var l api.QueueList
	if err := json.Unmarshal([]byte(c.ok("", append([]string{"queue", "list", "--failing", "--json"}, admin...)...)), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Jobs) != 1 || l.Jobs[0].Kind != "evidence" || !strings.Contains(l.Jobs[0].LastError, "TSA unreachable") || l.Jobs[0].Attempts != 1 {
		t.Fatalf("failing jobs: %+v", l.Jobs)
	}
	if out := c.ok("", append([]string{"queue", "list"}, admin...)...); !strings.Contains(out, l.Jobs[0].ID) || !strings.Contains(out, "TSA unreachable") {
		t.Fatalf("queue list:\n%s", out)
	}
	officerFile := filepath.Join(t.TempDir(), "o.token")
	c.ok("", "officer", "add", "--server", e.URL, "--token-file", opFile, "--name", "Olga", "--out", officerFile)
	c.fails("operator_only", "", "queue", "list", "--server", e.URL, "--token-file", officerFile)
	c.fails("not_found", "", append([]string{"queue", "retry", "no-such-job"}, admin...)...)
	c.fails("limit", "", append([]string{"queue", "list", "--limit", "501"}, admin...)...)

	// The backoff would wait a second on the real clock's terms; the
	// retry makes the job due now, and with the TSA back it goes through.
	e.P.Confirm.TSA = tsa
	if out := c.ok("", append([]string{"queue", "retry", l.Jobs[0].ID}, admin...)...); !strings.Contains(out, "due now") {
		t.Fatalf("queue retry: %q", out)
	}
	if _, err := e.P.RunQueues(ctx); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("", append([]string{"queue", "list"}, admin...)...); !strings.Contains(out, "no such job") {
		t.Fatalf("queue after the retry:\n%s", out)
	}
	list, err := anna.C.Evidence(ctx, sent.ID)
	if err != nil || len(list.Evidence) != 1 {
		t.Fatalf("evidence after the retry: %+v, %v", list, err)
	}
}
