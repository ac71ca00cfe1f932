package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/problem"
)

type authorityAccreditResult struct {
	Domain     string         `json:"domain"`
	Name       string         `json:"name"`
	SMTP       string         `json:"smtp"`
	API        string         `json:"api"`
	SealSHA256 string         `json:"seal_sha256"`
	TLSSHA256  string         `json:"tls_sha256"`
	Accredited string         `json:"accredited"`
	Replaced   *replacedIssue `json:"replaced,omitempty"`
}

func authorityAccredit(_ context.Context, e *env, args []string) error {
	const usage = `authority accredit --dir DIR --domain DOMAIN --smtp HOST:PORT --api URL [--seal-cert FILE --tls-cert FILE] [--json]`
	fs := newFlags(e, "authority accredit", usage)
	dir := fs.String("dir", "", "the authority's folder")
	domain := fs.String("domain", "", "the provider's mail domain")
	smtp := fs.String("smtp", "", fmt.Sprintf("HOST:PORT of the provider's inbound federation SMTP listener (port %d by convention)", pki.FederationPort))
	api := fs.String("api", "", "the https:// URL of the provider's API")
	sealFile := fs.String("seal-cert", "", "PEM seal certificate issued elsewhere by this authority's root (with --tls-cert; default: the registered one)")
	tlsFile := fs.String("tls-cert", "", "PEM TLS certificate issued elsewhere by this authority's root (with --seal-cert)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir", "domain", "smtp", "api"); err != nil {
		return err
	}
	// Checked before the authority is opened, so a typo is reported as such.
	if _, err := address.ParseDomain(*domain); err != nil {
		return problem.WithField(err, "--domain")
	}
	if _, err := pki.CheckSMTPEndpoint(*smtp); err != nil {
		return flagProblem(err)
	}
	if _, err := pki.CheckAPIEndpoint(*api); err != nil {
		return flagProblem(err)
	}
	seal, tlsCert, err := readCertPair(*sealFile, *tlsFile)
	if err != nil {
		return err
	}
	a, err := pki.LoadAuthority(*dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	res, err := a.Accredit(*domain, *smtp, *api, seal, tlsCert, time.Now())
	if err != nil {
		return flagProblem(err)
	}
	out := authorityAccreditResult{Domain: res.Domain, Name: res.Name, SMTP: res.SMTP, API: res.API, SealSHA256: pki.CertSHA256(res.Seal),
		TLSSHA256: pki.CertSHA256(res.TLS), Accredited: res.Accredited.Format(time.RFC3339)}
	if r := res.Replaced; r != nil {
		out.Replaced = &replacedIssue{Name: r.Name, Issued: r.Issued.Format(time.RFC3339), SealSerial: r.Seal.SerialNumber.Text(16)}
	}
	if *asJSON {
		return printJSON(e, out)
	}
	fmt.Fprintf(e.stdout, "accredited %s (%s)\n  smtp: %s\n  api:  %s\n  seal SHA-256: %s\n", out.Domain, out.Name, out.SMTP, out.API, out.SealSHA256)
	if r := out.Replaced; r != nil {
		fmt.Fprintf(e.stdout, "replaced the certificates registered on %s (seal serial %s): revoked as %q\n", r.Issued, r.SealSerial, pki.ReasonReplaced)
	}
	fmt.Fprintf(e.stdout, "publish it: siegel authority trustlist --dir %s (a running siegel authority serve does at the next fetch)\n", a.Dir)
	return nil
}

// readCertPair reads --seal-cert and --tls-cert: both, or neither (nil, nil).
func readCertPair(sealFile, tlsFile string) (seal, tlsCert *x509.Certificate, err error) {
	switch {
	case sealFile == "" && tlsFile == "":
		return nil, nil, nil
	case sealFile == "":
		return nil, nil, errors.New("--seal-cert: required with --tls-cert: a provider's certificates come as a pair")
	case tlsFile == "":
		return nil, nil, errors.New("--tls-cert: required with --seal-cert: a provider's certificates come as a pair")
	}
	if seal, err = pki.ReadCertPEM(sealFile); err != nil {
		return nil, nil, fmt.Errorf("--seal-cert: %w", err)
	}
	if tlsCert, err = pki.ReadCertPEM(tlsFile); err != nil {
		return nil, nil, fmt.Errorf("--tls-cert: %w", err)
	}
	return seal, tlsCert, nil
}

type authorityRevokeResult struct {
	Domain     string `json:"domain"`
	SealSHA256 string `json:"seal_cert_sha256"`
	TLSSHA256  string `json:"tls_cert_sha256"`
	RevokedAt  string `json:"revoked_at"`
	Reason     string `json:"reason"`
}

func authorityRevoke(_ context.Context, e *env, args []string) error {
	const usage = `authority revoke --dir DIR --domain DOMAIN --reason TEXT [--json]`
	fs := newFlags(e, "authority revoke", usage)
	dir := fs.String("dir", "", "the authority's folder")
	domain := fs.String("domain", "", "the provider's mail domain")
	reason := fs.String("reason", "", "why, in a sentence (at most 200 characters); every later trust list carries it")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir", "domain", "reason"); err != nil {
		return err
	}
	if _, err := address.ParseDomain(*domain); err != nil {
		return problem.WithField(err, "--domain")
	}
	a, err := pki.LoadAuthority(*dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	r, err := a.Revoke(*domain, *reason, time.Now())
	if err != nil {
		return flagProblem(err)
	}
	out := authorityRevokeResult{Domain: r.Domain, SealSHA256: r.SealSHA256, TLSSHA256: r.TLSSHA256,
		RevokedAt: r.RevokedAt.Format(time.RFC3339), Reason: r.Reason}
	if *asJSON {
		return printJSON(e, out)
	}
	fmt.Fprintf(e.stdout, "revoked %s at %s: %s\n  seal SHA-256: %s\n  TLS SHA-256:  %s\n", out.Domain, out.RevokedAt, out.Reason, out.SealSHA256, out.TLSSHA256)
	fmt.Fprintln(e.stdout, "evidence it sealed before then stays valid; the next trust list no longer names it and records the revocation")
	fmt.Fprintf(e.stdout, "publish it: siegel authority trustlist --dir %s (a running siegel authority serve does at the next fetch)\n", a.Dir)
	return nil
}
