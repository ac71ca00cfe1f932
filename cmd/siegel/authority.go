package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/problem"
)

// The accreditation authority's verbs work on its folder directly: the
// authority is a CA whose root key should live on an offline machine. Only
// serve runs a server, to publish the trust list and time-stamp (TR BInfra-IO
// §7); it needs the folder, root key included, on the machine that serves.

const authorityUsage = "usage: siegel authority init|issue|accredit|revoke|trustlist|serve … (-h for each)"

func runAuthority(ctx context.Context, e *env, args []string) error {
	sub := map[string]func(context.Context, *env, []string) error{
		"init": authorityInit, "issue": authorityIssue, "accredit": authorityAccredit, "revoke": authorityRevoke,
		"trustlist": authorityTrustList, "serve": authorityServe,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		return errors.New(authorityUsage)
	}
	return sub[args[0]](ctx, e, args[1:])
}

// flagProblem names the flag in a problem the pki package reports by its
// argument's name ("domain" → "--domain").
func flagProblem(err error) error {
	p := problem.As(err)
	if p == nil || p.Field == "" || strings.HasPrefix(p.Field, "--") {
		return err
	}
	c := *p
	c.Field = "--" + c.Field
	return &c
}

// noArgs refuses positional arguments, which no authority verb takes.
// requireFlags fails on the first of the named flags left empty.
func requireFlags(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			return errors.New("--" + n + ": required")
		}
	}
	return nil
}

// checkValidity checks a trust list's --valid.
func checkValidity(valid time.Duration) error {
	if valid < pki.MinTrustListValidity || valid > pki.MaxTrustListValidity {
		return fmt.Errorf("--valid: %v is outside %v to %v", valid, pki.MinTrustListValidity, pki.MaxTrustListValidity)
	}
	return nil
}

func noArgs(pos []string, usage string) error {
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q; usage: siegel %s", pos[0], usage)
	}
	return nil
}

func fingerprint(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return hex.EncodeToString(s[:])
}

type authorityInitResult struct {
	Dir        string `json:"dir"`
	Name       string `json:"name"`
	RootCert   string `json:"root_cert"`
	RootSHA256 string `json:"root_sha256"`
	TSACert    string `json:"tsa_cert"`
	SignerCert string `json:"trustlist_signer_cert"`
}

func authorityInit(_ context.Context, e *env, args []string) error {
	const usage = `authority init --dir DIR [--name "Authority name"] [--json]`
	fs := newFlags(e, "authority init", usage)
	dir := fs.String("dir", "", "the authority's folder (created; it must not hold an authority yet)")
	name := fs.String("name", "Siegel Accreditation Authority", "the authority's name, in its certificates and trust lists (at most 40 characters)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir"); err != nil {
		return err
	}
	a, err := pki.Init(*dir, *name, time.Now())
	if err != nil {
		return flagProblem(err)
	}
	res := authorityInitResult{Dir: a.Dir, Name: a.Name, RootCert: filepath.Join(a.Dir, pki.RootCertFile),
		RootSHA256: fingerprint(a.Root), TSACert: filepath.Join(a.Dir, pki.TSACertFile), SignerCert: filepath.Join(a.Dir, pki.SignerCertFile)}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "created accreditation authority %q in %s\n", a.Name, a.Dir)
	fmt.Fprintf(e.stdout, "  root certificate:        %s (valid until %s)\n", res.RootCert, a.Root.NotAfter.Format(time.DateOnly))
	fmt.Fprintf(e.stdout, "  root SHA-256:            %s\n", res.RootSHA256)
	fmt.Fprintf(e.stdout, "  time-stamping authority: %s\n", res.TSACert)
	fmt.Fprintf(e.stdout, "  trust-list signer:       %s\n", res.SignerCert)
	fmt.Fprintf(e.stdout, "keep %s's *.key files secret; give out root.crt and its fingerprint\n", a.Dir)
	fmt.Fprintf(e.stdout, "next: siegel authority issue --dir %s --domain DOMAIN --name \"Provider name\" --out FOLDER\n", a.Dir)
	return nil
}

type authorityIssueResult struct {
	Domain     string   `json:"domain"`
	Name       string   `json:"name"`
	Files      []string `json:"files"`
	SealSerial string   `json:"seal_serial"`
	TLSSerial  string   `json:"tls_serial"`
	NotAfter   string   `json:"not_after"`
	// Replaced is set when the domain had certificates already; they leave
	// the trust list with the next one.
	Replaced *replacedIssue `json:"replaced,omitempty"`
}

type replacedIssue struct {
	Name       string `json:"name"`
	Issued     string `json:"issued"`
	SealSerial string `json:"seal_serial"`
}

func authorityIssue(_ context.Context, e *env, args []string) error {
	const usage = `authority issue --dir DIR --domain DOMAIN --name "Provider name" --out FOLDER [--json]`
	fs := newFlags(e, "authority issue", usage)
	dir := fs.String("dir", "", "the authority's folder")
	domain := fs.String("domain", "", "the provider's mail domain")
	name := fs.String("name", "", "the provider's name, as in its accreditation (at most 64 characters)")
	out := fs.String("out", "", "folder for the provider's keys and certificates (created; none of the files may exist)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir", "domain", "name", "out"); err != nil {
		return err
	}
	// Checked before the authority is opened, so a typo is reported as such.
	if _, err := address.ParseDomain(*domain); err != nil {
		return problem.WithField(err, "--domain")
	}
	a, err := pki.LoadAuthority(*dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	is, err := a.Issue(*domain, *name, *out, time.Now())
	if err != nil {
		return flagProblem(err)
	}
	res := authorityIssueResult{Domain: is.Domain, Name: is.Name, Files: is.Files, SealSerial: is.Seal.SerialNumber.Text(16),
		TLSSerial: is.TLS.SerialNumber.Text(16), NotAfter: is.Seal.NotAfter.Format(time.RFC3339)}
	if r := is.Replaced; r != nil {
		res.Replaced = &replacedIssue{Name: r.Name, Issued: r.Issued.Format(time.RFC3339), SealSerial: r.Seal.SerialNumber.Text(16)}
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "issued certificates for %s (%s), valid until %s:\n", is.Domain, is.Name, is.Seal.NotAfter.Format(time.DateOnly))
	for _, f := range is.Files {
		fmt.Fprintf(e.stdout, "  %s\n", f)
	}
	if r := res.Replaced; r != nil {
		fmt.Fprintf(e.stdout, "replaced the certificates issued to %s on %s (seal serial %s): they leave the trust list with the next one\n",
			is.Domain, r.Issued, r.SealSerial)
	}
	fmt.Fprintf(e.stdout, "publish it: siegel authority trustlist --dir %s\n", a.Dir)
	return nil
}

type authorityTrustListResult struct {
	File       string   `json:"file"`
	Issuer     string   `json:"issuer"`
	Sequence   uint64   `json:"sequence"`
	Issued     string   `json:"issued"`
	NextUpdate string   `json:"next_update"`
	Providers  []string `json:"providers"`
	Revoked    int      `json:"revoked"` // revocations the list records
	Warnings   []string `json:"warnings,omitempty"`
}

func authorityTrustList(_ context.Context, e *env, args []string) error {
	const usage = "authority trustlist --dir DIR [--out FILE] [--valid DURATION] [--json]"
	fs := newFlags(e, "authority trustlist", usage)
	dir := fs.String("dir", "", "the authority's folder")
	out := fs.String("out", "", "where to write the signed list, replacing the previous one (default: DIR/"+pki.TrustListFile+")")
	valid := fs.Duration("valid", pki.DefaultTrustListValidity, fmt.Sprintf("how long the list is valid, %v to %v; relying parties must refresh it before then",
		pki.MinTrustListValidity, pki.MaxTrustListValidity))
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir"); err != nil {
		return err
	}
	if err := checkValidity(*valid); err != nil {
		return err
	}
	a, err := pki.LoadAuthority(*dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	if *out == "" {
		*out = filepath.Join(a.Dir, pki.TrustListFile)
	}
	der, l, err := a.SignTrustList(time.Now(), *valid)
	if err != nil {
		return flagProblem(err)
	}
	if err := pki.WriteTrustList(*out, der); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	res := authorityTrustListResult{File: *out, Issuer: l.Issuer, Sequence: l.Sequence, Issued: l.Issued.Format(time.RFC3339),
		NextUpdate: l.NextUpdate.Format(time.RFC3339), Providers: l.Domains(), Revoked: len(l.Revoked)}
	for _, p := range l.Providers {
		if p.SMTP == "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s has no endpoints yet, so no provider can send to it; record them with siegel authority accredit",
				p.Domain))
		}
		for _, c := range []*x509.Certificate{p.Seal, p.TLS} {
			if c.NotAfter.Before(l.NextUpdate) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("the certificates of %s expire on %s, before this list's next update; issue new ones",
					p.Domain, c.NotAfter.Format(time.RFC3339)))
				break
			}
		}
	}
	if res.Providers == nil {
		res.Providers = []string{}
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "wrote trust list no. %d of %q to %s\n", l.Sequence, l.Issuer, *out)
	fmt.Fprintf(e.stdout, "  valid %s to %s\n", res.Issued, res.NextUpdate)
	fmt.Fprintf(e.stdout, "  %d accredited providers", len(l.Providers))
	if len(l.Providers) > 0 {
		fmt.Fprintf(e.stdout, ": %s", strings.Join(res.Providers, ", "))
	}
	fmt.Fprintln(e.stdout)
	if res.Revoked > 0 {
		fmt.Fprintf(e.stdout, "  %d revocations recorded\n", res.Revoked)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "check it: openssl cms -verify -inform DER -in %s -CAfile %s -purpose any\n", *out, filepath.Join(a.Dir, pki.RootCertFile))
	return nil
}
