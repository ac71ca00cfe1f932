// Package demo is siegel demo: the thirty-second tour. It creates an
// accreditation authority and two providers it accredits, joined by its
// trust list: A with an authority entitled to formal service and a company,
// B with two citizens, one with a pseudonym; seeds letters that cross
// between them with their confirmations; serves everything on loopback; and
// writes demo.json so that people and scripts find the URLs and credentials.
// A second start on the same folder reuses everything.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// File is demo.json. Its shape is kept stable for scripts: later versions add
// fields, never rename or remove them.
type File struct {
	Providers []ProviderEntry `json:"providers"`
	Accounts  []AccountEntry  `json:"accounts"`
	Officers  []OfficerEntry  `json:"officers"`
	// Authority is the demo's accreditation authority; absent in a demo
	// folder made before the demo had one.
	Authority *AuthorityEntry `json:"authority,omitempty"`
}

// AuthorityEntry names the accreditation authority's public files.
type AuthorityEntry struct {
	RootCert  string `json:"root_cert"`  // PEM root certificate
	TrustList string `json:"trust_list"` // the signed trust list (DER CMS)
}

// ProviderEntry is one provider of the demo federation.
type ProviderEntry struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	APIURL string `json:"api_url"`
	WebURL string `json:"web_url"`
	// CACert is the PEM certificate the provider's TLS listener uses; the CLI
	// trusts it through the trust folder already.
	CACert string `json:"ca_cert"`
	// FederationAddr is the provider's SMTP listener for the other
	// providers (implicit TLS, mutual authentication).
	FederationAddr string `json:"federation_addr"`
}

// AccountEntry is a seeded account with its credentials.
type AccountEntry struct {
	Address    string `json:"address"`
	Password   string `json:"password"`
	TOTPSecret string `json:"totp_secret"`
	Kind       string `json:"kind"`
	Provider   string `json:"provider"`
	Name       string `json:"name"`
}

// OfficerEntry is a seeded registration officer.
type OfficerEntry struct {
	Name      string `json:"name"`
	TokenFile string `json:"token_file"`
	Provider  string `json:"provider"`
}

// The demo's two providers: A hosts the authorities and companies, B the
// citizens, so that the seeded letters cross between them.
const (
	Domain  = "demo-a.siegel.test"
	Name    = "Siegel Demo A"
	DomainB = "demo-b.siegel.test"
	NameB   = "Siegel Demo B"
)

// Options configure a demo run.
type Options struct {
	Dir    string
	Listen string // provider A's; B takes the next port
	// ConfigDir is the CLI's config folder; the demo puts its certificate into
	// its trust/ subfolder so that siegel login works with no flags.
	ConfigDir string
	Out       io.Writer
	Log       *slog.Logger
	Clock     clock.Clock
	// Argon2 overrides password hashing cost (tests).
	Argon2 *account.Argon2Params
	// Ready is called with demo.json's content once the servers listen.
	Ready func(*File)
	// Clamd is the malware scanner's address (unix:/path or
	// tcp:host:port), "off" for none; "" looks for one where Debian's
	// clamav-daemon listens, and turns scanning off when none answers.
	Clamd string
	// BenchAccounts opens this many more accounts on each side of a new
	// demo, senders at A and recipients at B, for siegel bench (bench.go).
	BenchAccounts int
}

// node is one demo provider while it runs.
type node struct {
	domain, name, dir string
	http, smtp        net.Listener
	p                 *provider.Provider
}

// Run starts (creating or reusing) the demo and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	jsonPath := filepath.Join(dir, "demo.json")
	if _, err := os.Stat(filepath.Join(dir, provider.ConfigFile)); err == nil {
		return fmt.Errorf("%s holds a demo of an earlier siegel, with one provider; remove the folder to start afresh with two", dir)
	}
	nodes := []*node{{domain: Domain, name: Name, dir: filepath.Join(dir, "a")},
		{domain: DomainB, name: NameB, dir: filepath.Join(dir, "b")}}
	authDir := filepath.Join(dir, "authority")
	fresh := false
	var f *File
	if _, err := os.Stat(filepath.Join(nodes[0].dir, provider.ConfigFile)); errors.Is(err, os.ErrNotExist) {
		if err := create(ctx, authDir, nodes, o); err != nil {
			return err
		}
		fresh = true
	} else if f, err = readFile(jsonPath); err != nil {
		return fmt.Errorf("%s holds a demo but no usable demo.json (%v); remove the folder to start afresh", dir, err)
	}
	a, err := pki.LoadAuthority(authDir)
	if err != nil {
		return err
	}
	defer closeNodes(nodes)
	listURL, stopAuthority, err := serveAuthority(ctx, a, o)
	if err != nil {
		return err
	}
	defer stopAuthority()
	if err := listen(nodes, o); err != nil {
		return err
	}
	for _, n := range nodes {
		if err := join(a, n, listURL, o); err != nil {
			return err
		}
		if err := benchQuota(n.dir, o.BenchAccounts); err != nil {
			return err
		}
	}
	clamd := findScanner(ctx, o)
	for _, n := range nodes {
		if err := configureScanning(n, clamd); err != nil {
			return err
		}
	}
	// Every provider on the list before any fetches it.
	for _, n := range nodes {
		if n.p, err = provider.Open(ctx, n.dir, provider.Options{Clock: o.Clock, Log: o.Log, Argon2: o.Argon2}); err != nil {
			return err
		}
	}
	if fresh {
		if f, err = seed(ctx, nodes, o); err != nil {
			return err
		}
		f.Authority = &AuthorityEntry{RootCert: filepath.Join(authDir, pki.RootCertFile),
			TrustList: filepath.Join(authDir, pki.TrustListFile)}
	}
	if err := publish(a, f, nodes, jsonPath, o); err != nil {
		return err
	}
	printTable(o.Out, f, jsonPath)
	printScanning(o.Out, clamd, o)
	if o.Ready != nil {
		o.Ready(f)
	}
	return serve(ctx, nodes)
}

// listen takes the listeners: A's HTTP at o.Listen (or any free port when
// it is busy), B's at the next port, and each one's federation port.
func listen(nodes []*node, o Options) error {
	var err error
	want := []string{o.Listen, nextPort(o.Listen)}
	for i, n := range nodes {
		if n.http, err = net.Listen("tcp", want[i]); err != nil {
			o.Log.Warn("listen address busy; taking a free port", "listen", want[i], "err", err)
			if n.http, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				return err
			}
		}
		if n.smtp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	return nil
}

// nextPort is addr with the port after its own; "127.0.0.1:0" when addr
// names no fixed port.
func nextPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n == 0 || n >= 65535 {
		return "127.0.0.1:0"
	}
	return net.JoinHostPort(host, strconv.Itoa(n+1))
}

// join records n's endpoints with the authority (they change with the
// ports), and points n at the authority's list.
func join(a *pki.Authority, n *node, listURL string, o Options) error {
	url := "https://" + n.http.Addr().String()
	if _, err := a.Accredit(n.domain, n.smtp.Addr().String(), url, nil, nil, o.Clock.Now()); err != nil {
		return fmt.Errorf("accredit %s: %w", n.domain, err)
	}
	if err := provider.EditConfig(n.dir, func(c *provider.Config) {
		c.Federation.TrustListURL = listURL
		c.PublicURL = url
	}); err != nil {
		return err
	}
	return provider.WriteURL(n.dir, url)
}

// serveAuthority publishes the authority's trust list on loopback.
func serveAuthority(ctx context.Context, a *pki.Authority, o Options) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- a.Serve(ctx, ln, pki.ServeOptions{Clock: o.Clock, Log: o.Log, Ready: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("demo authority: %w", err)
	}
	return "https://" + ln.Addr().String() + pki.TrustListPath, func() { cancel(); <-done }, nil
}

// publish writes demo.json, the signed trust list for scripts, and the
// CLI's trust anchors.
func publish(a *pki.Authority, f *File, nodes []*node, jsonPath string, o Options) error {
	list, _, err := a.SignTrustList(o.Clock.Now(), pki.MaxTrustListValidity)
	if err != nil {
		return err
	}
	if err := pki.WriteTrustList(f.Authority.TrustList, list); err != nil {
		return err
	}
	// siegel verify's default trust anchor: the demo authority's root.
	if err := copyFile(f.Authority.RootCert, filepath.Join(o.ConfigDir, RootCertFile)); err != nil {
		return err
	}
	f.Providers = f.Providers[:0]
	for _, n := range nodes {
		url := "https://" + n.http.Addr().String()
		certPath := filepath.Join(n.dir, n.p.Config.TLS.CertFile)
		if err := copyFile(certPath, filepath.Join(o.ConfigDir, "trust", n.domain+".pem")); err != nil {
			return err
		}
		f.Providers = append(f.Providers, ProviderEntry{Name: n.name, Domain: n.domain, APIURL: url, WebURL: url + "/",
			CACert: certPath, FederationAddr: n.smtp.Addr().String()})
	}
	return writeFile(jsonPath, f)
}

// serve runs every node's HTTP and federation servers until ctx ends.
func serve(ctx context.Context, nodes []*node) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2*len(nodes))
	for _, n := range nodes {
		go func() { errc <- n.p.Serve(ctx, n.http, false) }()
		go func() { errc <- n.p.ServeFederation(ctx, n.smtp) }()
	}
	var first error
	for range 2 * len(nodes) {
		if err := <-errc; err != nil && first == nil && !errors.Is(err, context.Canceled) {
			first = err
		}
		cancel() // one ends, all end
	}
	return first
}

func closeNodes(nodes []*node) {
	for _, n := range nodes {
		if n.p != nil {
			n.p.Close()
		}
		for _, ln := range []net.Listener{n.http, n.smtp} {
			if ln != nil {
				ln.Close()
			}
		}
	}
}

// RootCertFile is where, in the CLI's config folder, siegel verify looks for
// the authority's root certificate when given none.
const RootCertFile = "authority-root.pem"

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

func readFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if len(f.Accounts) == 0 {
		return nil, errors.New("no accounts in it")
	}
	return &f, nil
}

func writeFile(path string, f *File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func printTable(w io.Writer, f *File, jsonPath string) {
	fmt.Fprintf(w, "Siegel demo running. Press Ctrl-C to stop; a second start reuses this data.\n\n")
	urls := map[string]string{}
	for _, p := range f.Providers {
		fmt.Fprintf(w, "%s (%s)\n  API and web: %s\n  from other providers (SMTP, mutual TLS): %s\n\n",
			p.Name, p.Domain, p.APIURL, p.FederationAddr)
		urls[p.Domain] = p.APIURL
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tADDRESS\tPASSWORD\tTOTP SECRET")
	tour := len(seedAccounts(time.Time{}))
	for _, a := range f.Accounts[:min(tour, len(f.Accounts))] {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Kind, a.Address, a.Password, a.TOTPSecret)
	}
	tw.Flush()
	if more := len(f.Accounts) - tour; more > 0 {
		fmt.Fprintf(w, "… and %d accounts for siegel bench.\n", more) // --bench-accounts
	}
	fmt.Fprintf(w, "\nEverything above is in %s. Try:\n", jsonPath)
	if len(f.Accounts) > 2 {
		a := f.Accounts[2]
		fmt.Fprintf(w, "  siegel login --server %s --address %s   # password: %s\n  siegel inbox\n",
			urls[a.Provider], a.Address, a.Password)
		fmt.Fprintf(w, "  siegel step-up --totp-code $(siegel totp code %s)   # login at high: picks up the city's letter\n",
			a.TOTPSecret)
	}
	fmt.Fprintln(w)
}
