package federation

import (
	"strings"
	"testing"
	"time"
)

// TestKeptConnections: messages to one provider share a connection, and one
// the peer closed while it was kept is replaced without losing the message.
func TestKeptConnections(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	// The server ends an idle session after a quarter second.
	f.serve(t, b, func(s *Server) { s.Timeout = 250 * time.Millisecond })
	c := f.client(a)
	defer c.CloseIdle()
	from, to := "hans@a.siegel.test", "erika@b.siegel.test"
	for range 3 {
		if err := c.Send(t.Context(), b.domain, from, []string{to}, message(from, to)); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(f.log.String(), "reused=true"); got != 2 {
		t.Errorf("messages over a kept connection: %d, want 2\n%s", got, f.log)
	}
	time.Sleep(600 * time.Millisecond) // the server closes the kept one
	if err := c.Send(t.Context(), b.domain, from, []string{to}, message(from, to)); err != nil {
		t.Fatalf("after the peer closed the kept connection: %v", err)
	}
	if n := len(b.inbox.messages()); n != 4 {
		t.Fatalf("%d messages delivered, want 4", n)
	}
	// A client that keeps none.
	none := f.client(a)
	none.MaxIdle = -1
	if err := none.Send(t.Context(), b.domain, from, []string{to}, message(from, to)); err != nil {
		t.Fatal(err)
	}
	if len(none.idle[b.domain]) != 0 {
		t.Errorf("MaxIdle -1 kept a connection")
	}
}
