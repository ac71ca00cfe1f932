package blackbox

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// Federation is an accreditation authority served by `siegel authority
// serve` and the providers it accredited, each a data folder that `siegel
// serve` runs as a process of its own.
type Federation struct {
	T        testing.TB
	Bin      string
	Root     string // the test's folder
	Cfg      string // SIEGEL_CONFIG_DIR of the CLI verbs
	AuthDir  string
	RootCert *x509.Certificate
	ListURL  string
	Nodes    []*Node
}

// Setup changes what NewFederation makes; the zero Setup is SQLite
// providers with the test defaults.
type Setup struct {
	// Store is a provider's --store for siegel init (a postgres:// URL);
	// nil or "" for the embedded SQLite store.
	Store func(domain string) string
	// Configure edits a provider's config after the test defaults.
	Configure func(domain string, c *provider.Config)
	// Dir is where a provider's data folder goes, a path that does not
	// exist yet (on a file system of the test's own, say); nil: a folder in
	// the federation's temporary folder.
	Dir func(domain string) string
	// SMTPEndpoint is the endpoint the trust list names for a provider
	// whose federation listener is at listen, so that its peers reach it
	// there (through a proxy of the test's, say); nil: listen itself.
	SMTPEndpoint func(domain, listen string) string
}

// NewFederation makes an authority and one provider per domain, accredits
// each with its API and federation SMTP endpoints on free loopback ports,
// serves the authority, and points the providers at its trust list. The
// providers are not started.
func NewFederation(t testing.TB, bin string, s Setup, domains ...string) *Federation {
	t.Helper()
	f := &Federation{T: t, Bin: bin, Root: t.TempDir(), Cfg: t.TempDir()}
	f.AuthDir = filepath.Join(f.Root, "authority")
	f.MustSiegel("authority", "init", "--dir", f.AuthDir, "--name", "Testbehörde Föderation")
	for i, d := range domains {
		n := &Node{f: f, t: t, Name: string(rune('A' + i)), Domain: d, Dir: filepath.Join(f.Root, d),
			HTTPAddr: FreeAddr(t), SMTPAddr: FreeAddr(t)}
		if s.Dir != nil {
			n.Dir = s.Dir(d)
		}
		endpoint := n.SMTPAddr
		if s.SMTPEndpoint != nil {
			endpoint = s.SMTPEndpoint(d, n.SMTPAddr)
		}
		n.LogPath = filepath.Join(f.Root, d+".log")
		args := []string{"init", "--dir", n.Dir, "--domain", d, "--name", "Anbieter " + n.Name, "--authority", f.AuthDir,
			"--listen", n.HTTPAddr}
		if s.Store != nil {
			if url := s.Store(d); url != "" {
				args = append(args, "--store", url)
			}
		}
		out := f.MustSiegel(args...)
		m := regexp.MustCompile(`(?m)^operator token: (\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("init printed no operator token:\n%s", out)
		}
		n.Token = m[1]
		f.MustSiegel("authority", "accredit", "--dir", f.AuthDir, "--domain", d, "--smtp", endpoint, "--api", "https://"+n.HTTPAddr)
		f.Nodes = append(f.Nodes, n)
	}
	var err error
	if f.RootCert, err = pki.ReadCertPEM(filepath.Join(f.AuthDir, pki.RootCertFile)); err != nil {
		t.Fatal(err)
	}
	authLog := filepath.Join(f.Root, "authority.log")
	_, url := Start(t, f.Bin, authLog, regexp.MustCompile(`serving accreditation authority ".*" at (https://\S+)\n`),
		"authority", "serve", "--dir", f.AuthDir, "--listen", "127.0.0.1:0")
	f.ListURL = url + pki.TrustListPath
	for _, n := range f.Nodes {
		if err := provider.EditConfig(n.Dir, func(c *provider.Config) {
			c.Federation.TrustListURL = f.ListURL
			c.Federation.Listen = n.SMTPAddr
			c.Federation.TrustListRefresh = provider.Duration{Duration: time.Second}
			c.Federation.SMTPTimeout = provider.Duration{Duration: 5 * time.Second}
			c.Malware.Scanning = "off" // no clamd here (cmd/siegel/malware_blackbox_test.go)
			if s.Configure != nil {
				s.Configure(n.Domain, c)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { f.logOnFailure(authLog) })
	return f
}

// logOnFailure puts the end of every process's log into a failed test's
// output.
func (f *Federation) logOnFailure(authLog string) {
	if !f.T.Failed() {
		return
	}
	paths := []string{authLog}
	for _, n := range f.Nodes {
		paths = append(paths, n.LogPath)
	}
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		// Not the authority's every fetch of the list.
		b = regexp.MustCompile(`(?m)^.*path=/trustlist\.p7m status=200.*\n`).ReplaceAll(b, nil)
		if len(b) > 24<<10 {
			b = append([]byte("…\n"), b[len(b)-24<<10:]...)
		}
		f.T.Logf("%s:\n%s", filepath.Base(p), b)
	}
}

// Siegel runs a CLI verb to its end.
func (f *Federation) Siegel(args ...string) (string, error) {
	cmd := exec.CommandContext(f.T.Context(), f.Bin, args...)
	cmd.Env = append(os.Environ(), "SIEGEL_CONFIG_DIR="+f.Cfg)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// MustSiegel runs a CLI verb to its end and fails the test when it fails.
func (f *Federation) MustSiegel(args ...string) string {
	f.T.Helper()
	out, err := f.Siegel(args...)
	if err != nil {
		f.T.Fatalf("siegel %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// AuthorityClient trusts the authority's server by its root alone.
func (f *Federation) AuthorityClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(f.RootCert)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// Node is one provider of a Federation.
type Node struct {
	f                  *Federation
	t                  testing.TB
	Name, Domain, Dir  string
	HTTPAddr, SMTPAddr string
	Token              string // the operator's, from siegel init
	LogPath            string // the processes' output, every start appended
	Offset             time.Duration
	Proc               *Process
	Started            time.Time
	startedAt          int // the length of the log when the last start began
	Public, Operator   *client.Client
}

// User is an account opened at a node.
type User struct {
	Address, Password string
	TOTPSecret        string // "" without a second factor
}

// Start runs siegel serve on the node's folder with its clock offset
// (--clock-offset when non-zero), and returns once the API and the
// federation SMTP listener take connections.
func (n *Node) Start(offset time.Duration) {
	n.t.Helper()
	if err := n.TryStart(offset); err != nil {
		n.t.Fatal(err)
	}
}

// TryStart is Start, returning what went wrong instead of failing the test.
func (n *Node) TryStart(offset time.Duration) error {
	args := []string{"serve", "--dir", n.Dir}
	if offset != 0 {
		args = append(args, "--clock-offset", offset.String())
	}
	n.startedAt = len(n.Log())
	proc, url, err := TryStart(n.t, n.f.Bin, n.LogPath, regexp.MustCompile(`serving `+regexp.QuoteMeta(n.Domain)+` at (https://\S+)\n`), args...)
	if err != nil {
		return fmt.Errorf("%s: %w", n.Domain, err)
	}
	n.Proc, n.Offset, n.Started = proc, offset, time.Now()
	if url != "https://"+n.HTTPAddr {
		return fmt.Errorf("%s serves at %s, want https://%s", n.Domain, url, n.HTTPAddr)
	}
	// The listener is open once it says so (a probe of ours would be
	// logged as a failed session).
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(n.StartLog(), "federation: SMTP server listening"); {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s's federation listener: not announced in the log within 15 s", n.Domain)
		}
		if exited, err := proc.Exited(); exited {
			return fmt.Errorf("%s exited after it said it was serving: %v\n%s", n.Domain, err, n.StartLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if offset != 0 && !strings.Contains(n.StartLog(), "clock-offset") {
		return fmt.Errorf("%s started with --clock-offset %v and logged no warning", n.Domain, offset)
	}
	pem, err := os.ReadFile(filepath.Join(n.Dir, "keys", pki.TLSCertFile))
	if err != nil {
		return err
	}
	if n.Public, err = client.New(url, pem); err != nil {
		return err
	}
	n.Operator = n.Public.With(n.Token)
	return nil
}

// Stop ends siegel serve with SIGTERM, as an init system does, and waits
// for a clean exit.
func (n *Node) Stop() {
	n.t.Helper()
	if err := n.Proc.Stop(); err != nil {
		n.t.Errorf("%s: siegel serve after SIGTERM: %v", n.Domain, err)
	}
}

// Log is everything the node's processes wrote.
func (n *Node) Log() string {
	b, _ := os.ReadFile(n.LogPath)
	return string(b)
}

// StartLog is what the node's last process wrote.
func (n *Node) StartLog() string { return n.Log()[n.startedAt:] }

// Now is the node's clock.
func (n *Node) Now() time.Time { return time.Now().Add(n.Offset) }

// Open takes an application through verification by the operator and a
// first login, and enrols TOTP when withTOTP is set.
func (n *Node) Open(app *api.ApplicationRequest, withTOTP bool) *User {
	t := n.t
	t.Helper()
	ctx := t.Context()
	res, err := n.Public.Apply(ctx, app)
	if err != nil {
		t.Fatalf("apply at %s: %v", n.Domain, err)
	}
	v, err := n.Operator.Verify(ctx, res.ID, &api.VerifyRequest{Method: "qualified_signature"})
	if err != nil {
		t.Fatalf("verify at %s: %v", n.Domain, err)
	}
	u := &User{Address: res.Address, Password: v.InitialPassword}
	c := n.Login(u)
	if withTOTP {
		en, err := c.EnrollTOTP(ctx)
		if err != nil {
			t.Fatalf("enrol TOTP: %v", err)
		}
		code, err := account.TOTPCode(en.Secret, n.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ConfirmTOTP(ctx, code); err != nil {
			t.Fatalf("confirm TOTP: %v", err)
		}
		u.TOTPSecret = en.Secret
	}
	return u
}

// Login is a session at normal: a restarted node, hours later, has ended
// the earlier ones.
func (n *Node) Login(u *User) *client.Client {
	n.t.Helper()
	s, err := n.Public.Login(n.t.Context(), u.Address, u.Password, "")
	if err != nil {
		n.t.Fatalf("login %s: %v", u.Address, err)
	}
	return n.Public.With(s.Token)
}

// LoginHigh is a session at high for a user Open enrolled in TOTP. It uses
// the code of the next 30-second step, since Open used the current one and
// each code counts once: call it once per user.
func (n *Node) LoginHigh(u *User) *client.Client {
	n.t.Helper()
	code, err := account.TOTPCode(u.TOTPSecret, n.Now().Add(30*time.Second))
	if err != nil {
		n.t.Fatal(err)
	}
	s, err := n.Public.Login(n.t.Context(), u.Address, u.Password, code)
	if err != nil {
		n.t.Fatalf("login %s at high: %v", u.Address, err)
	}
	return n.Public.With(s.Token)
}

// WaitRelayJob waits for the node's one relay job to satisfy ok.
func (n *Node) WaitRelayJob(ok func(api.QueueJob) bool, within time.Duration) api.QueueJob {
	n.t.Helper()
	var job api.QueueJob
	WaitFor(n.t, within, n.Domain+"'s relay job", func() (bool, string) {
		l, err := n.Operator.Queue(n.t.Context(), mailbox.JobRelay, false, 100, "")
		if err != nil {
			return false, err.Error()
		}
		if len(l.Jobs) != 1 {
			return false, fmt.Sprintf("%d relay jobs", len(l.Jobs))
		}
		job = l.Jobs[0]
		return ok(job), fmt.Sprintf("%+v", job)
	})
	return job
}
