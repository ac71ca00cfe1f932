package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/siegel-mail/siegel/internal/pki"
)

// authorityServe runs the authority's federation server: the signed trust
// list for providers to fetch (TR BInfra-IO §7 has the authority publish it
// at a URL of its choosing), the root certificate, and the RFC 3161
// time-stamping service. It stops on Ctrl-C or SIGTERM (main's context).
func authorityServe(ctx context.Context, e *env, args []string) error {
	const usage = "authority serve --dir DIR --listen HOST:PORT [--valid DURATION] [--host NAME]…"
	fs := newFlags(e, "authority serve", usage)
	dir := fs.String("dir", "", "the authority's folder")
	listen := fs.String("listen", "", "listen address, HOST:PORT (port 0 takes a free port)")
	valid := fs.Duration("valid", pki.DefaultTrustListValidity, fmt.Sprintf(
		"how long each list served is valid, %v to %v; lists are re-signed after half of it, and at once when the registry changes",
		pki.MinTrustListValidity, pki.MaxTrustListValidity))
	var hosts multi
	fs.Var(&hosts, "host", "a DNS name or IP address providers reach the server at, for its TLS certificate (repeatable; default: "+
		strings.Join(pki.DefaultServerHosts(), ", ")+")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos, usage); err != nil {
		return err
	}
	if err := requireFlags(fs, "dir", "listen"); err != nil {
		return err
	}
	if err := checkValidity(*valid); err != nil {
		return err
	}
	a, err := pki.LoadAuthority(*dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	defer ln.Close()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	url := serverURL(ln.Addr(), false)
	// Announced when Serve is ready, after the certificate for --host is
	// issued: a bad --host must not look like a start.
	ready := func() {
		log.Info("serving", "authority", a.Name, "url", url)
		fmt.Fprintf(e.stdout, "serving accreditation authority %q at %s\n", a.Name, url)
		fmt.Fprintf(e.stdout, "  trust list: %s%s\n  root:       %s%s\n  TSA:        %s%s\n",
			url, pki.TrustListPath, url, pki.RootCertPath, url, pki.TSAPath)
	}
	return flagProblem(a.Serve(ctx, ln, pki.ServeOptions{Valid: *valid, Log: log, Hosts: hosts, Ready: ready}))
}
