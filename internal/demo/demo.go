// Package demo is siegel demo: the thirty-second tour. It creates a provider
// with seeded, verified accounts (an authority entitled to formal service, a
// company, two citizens, one with a pseudonym) and a few letters, serves it on
// loopback, and writes demo.json so that people and scripts find the URLs and
// credentials. A second start on the same folder reuses everything.
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
	"text/tabwriter"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/clock"
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

// Domain and Name of the demo provider.
const (
	Domain = "demo-a.siegel.test"
	Name   = "Siegel Demo A"
)

// Options configure a demo run.
type Options struct {
	Dir    string
	Listen string
	// ConfigDir is the CLI's config folder; the demo puts its certificate into
	// its trust/ subfolder so that siegel login works with no flags.
	ConfigDir string
	Out       io.Writer
	Log       *slog.Logger
	Clock     clock.Clock
	// Argon2 overrides password hashing cost (tests).
	Argon2 *account.Argon2Params
	// Ready is called with demo.json's content once the server listens.
	Ready func(*File)
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
	var f *File
	if _, err := os.Stat(filepath.Join(dir, provider.ConfigFile)); errors.Is(err, os.ErrNotExist) {
		if f, err = create(ctx, dir, o); err != nil {
			return err
		}
	} else {
		if f, err = readFile(jsonPath); err != nil {
			return fmt.Errorf("%s holds a provider but no usable demo.json (%v); remove the folder to start afresh", dir, err)
		}
	}
	p, err := provider.Open(ctx, dir, provider.Options{Clock: o.Clock, Log: o.Log, Argon2: o.Argon2})
	if err != nil {
		return err
	}
	defer p.Close()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		o.Log.Warn("listen address busy; taking a free port", "listen", o.Listen, "err", err)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	url := "https://" + ln.Addr().String()
	certPath := filepath.Join(dir, p.Config.TLS.CertFile)
	if err := trust(o.ConfigDir, certPath); err != nil {
		ln.Close()
		return err
	}
	if f.Authority != nil {
		// siegel verify's default trust anchor: the demo authority's root.
		if err := copyFile(f.Authority.RootCert, filepath.Join(o.ConfigDir, RootCertFile)); err != nil {
			ln.Close()
			return err
		}
	}
	f.Providers = []ProviderEntry{{Name: Name, Domain: Domain, APIURL: url, WebURL: url + "/", CACert: certPath}}
	if err := writeFile(jsonPath, f); err != nil {
		ln.Close()
		return err
	}
	if err := provider.WriteURL(dir, url); err != nil {
		ln.Close()
		return err
	}
	printTable(o.Out, f, jsonPath)
	if o.Ready != nil {
		o.Ready(f)
	}
	return p.Serve(ctx, ln, false)
}

// trust copies the demo's certificate into the CLI's trust folder.
func trust(configDir, certPath string) error {
	return copyFile(certPath, filepath.Join(configDir, "trust", Domain+".pem"))
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
	for _, p := range f.Providers {
		fmt.Fprintf(w, "%s (%s)\n  API and web: %s\n\n", p.Name, p.Domain, p.APIURL)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tADDRESS\tPASSWORD\tTOTP SECRET")
	for _, a := range f.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Kind, a.Address, a.Password, a.TOTPSecret)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEverything above is in %s. Try:\n", jsonPath)
	if len(f.Providers) > 0 && len(f.Accounts) > 2 {
		a := f.Accounts[2]
		fmt.Fprintf(w, "  siegel login --server %s --address %s   # password: %s\n  siegel inbox\n",
			f.Providers[0].APIURL, a.Address, a.Password)
		fmt.Fprintf(w, "  siegel step-up --totp-code $(siegel totp code %s)   # login at high: picks up the authority's letter\n",
			a.TOTPSecret)
	}
	fmt.Fprintln(w)
}
