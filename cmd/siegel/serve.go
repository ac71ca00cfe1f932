package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/provider"
)

func runInit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "init", "init --dir DIR --domain DOMAIN --name \"Provider name\" [--listen HOST:PORT] [--authority DIR] [--store postgres://…] [--blob-dir PATH]")
	dir := fs.String("dir", "", "the provider's data folder (created)")
	domain := fs.String("domain", "", "the provider's mail domain")
	name := fs.String("name", "", "the provider's name")
	listen := fs.String("listen", "127.0.0.1:8443", "address to listen on")
	storeURL := fs.String("store", "", "metadata store: a postgres:// URL for a provider of several nodes (default: embedded SQLite in DIR)")
	blobDir := fs.String("blob-dir", "", "folder of message bodies, shared by every node when the store is PostgreSQL (default: DIR/blobs)")
	authority := fs.String("authority", "", "a local accreditation authority's folder (siegel authority init): it issues the provider's seal and TLS certificates (default: a self-signed loopback certificate and no seal)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" || *domain == "" || *name == "" {
		return errors.New("--dir, --domain and --name are required")
	}
	c, err := provider.Init(ctx, provider.InitOptions{Dir: *dir, Domain: *domain, Name: *name, Listen: *listen,
		Store: *storeURL, BlobDir: *blobDir, Authority: *authority, Now: time.Now()})
	if err != nil {
		return err
	}
	token, err := provider.Bootstrap(ctx, *dir, slog.New(slog.NewTextHandler(e.stderr, nil)))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created provider %s (%s) in %s\noperator token: %s\nstart it with: siegel serve --dir %s\n",
		c.Domain, c.Name, *dir, token, *dir)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate --dir DIR")
	dir := fs.String("dir", "", "the provider's data folder")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir: required")
	}
	from, to, err := provider.Migrate(ctx, *dir, newLogger(e, *dir))
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(e.stdout, "database schema is at version %d, this siegel's newest; nothing to do\n", to)
		return nil
	}
	fmt.Fprintf(e.stdout, "database schema migrated from version %d to %d\n", from, to)
	return nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve --dir DIR [--listen HOST:PORT] [--plain-http] [--clock-offset DURATION]")
	dir := fs.String("dir", "", "the provider's data folder (made by siegel init)")
	listen := fs.String("listen", "", "listen address (default: the config's listen)")
	plain := fs.Bool("plain-http", false, "serve plain HTTP instead of TLS (only behind a TLS-terminating proxy)")
	offset := fs.Duration("clock-offset", 0, "for tests and drills only: run the provider's clock this far ahead of (or, negative, behind) the wall clock, "+
		"which shifts every deadline (handover warning, deemed service, sessions, lockouts); never in production")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir: required")
	}
	log := newLogger(e, *dir)
	opts := provider.Options{Log: log}
	if *offset != 0 {
		opts.Clock = clock.Offset(*offset)
		log.Warn("the clock is moved by --clock-offset: every deadline and every time in evidence is shifted; for tests and drills only",
			"offset", offset.String(), "now", opts.Clock.Now().Format(time.RFC3339))
	}
	p, err := provider.Open(ctx, *dir, opts)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.CheckScanner(ctx); err != nil { // before listening: no letter passes unscanned
		return err
	}
	addr := p.Config.Listen
	if *listen != "" {
		addr = *listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := serverURL(ln.Addr(), *plain)
	if err := provider.WriteURL(*dir, url); err != nil {
		return err
	}
	log.Info("serving", "url", url, "tls", !*plain)
	fmt.Fprintf(e.stdout, "serving %s at %s\n", p.Config.Domain, url)
	return p.Serve(ctx, ln, *plain)
}

// serverURL is the URL local tools reach the listener at. A wildcard listener
// (0.0.0.0, ::) is reached on loopback, which the generated certificate names.
func serverURL(a net.Addr, plain bool) string {
	scheme := "https"
	if plain {
		scheme = "http"
	}
	host := a.String()
	if t, ok := a.(*net.TCPAddr); ok && t.IP.IsUnspecified() {
		loop := "127.0.0.1"
		if t.IP.To4() == nil {
			loop = "::1"
		}
		host = net.JoinHostPort(loop, strconv.Itoa(t.Port))
	}
	return scheme + "://" + host
}

// newLogger logs to standard error at the config's level; it never logs bodies
// or secrets (the packages don't hand it any).
func newLogger(e *env, dir string) *slog.Logger {
	level := slog.LevelInfo
	format := "text"
	if c, err := provider.LoadConfig(dir); err == nil {
		level.UnmarshalText([]byte(c.Log.Level))
		format = c.Log.Format
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// adminFlags are the flags of verbs that talk to the admin API: a server and an
// officer's token, or a data folder that names both.
type adminFlags struct {
	dir, server, tokenFile, caFile *string
	asJSON                         *bool
}

func addAdminFlags(fs interface {
	String(string, string, string) *string
	Bool(string, bool, string) *bool
}) adminFlags {
	return adminFlags{
		dir:       fs.String("dir", "", "the provider's data folder: takes the server's URL, certificate and (unless --token-file) the operator token from it"),
		server:    fs.String("server", "", "the provider's URL"),
		tokenFile: fs.String("token-file", "", "file holding your officer token"),
		caFile:    fs.String("ca-file", "", "PEM certificate to trust for the server"),
		asJSON:    fs.Bool("json", false, "print the result as JSON"),
	}
}

func (a adminFlags) client(e *env) (*client.Client, error) {
	server, tokenFile, caFile := *a.server, *a.tokenFile, *a.caFile
	if *a.dir != "" {
		if server == "" {
			u, err := provider.ReadURL(*a.dir)
			if err != nil {
				return nil, err
			}
			server = u
		}
		if tokenFile == "" {
			tokenFile = filepath.Join(*a.dir, provider.OperatorTokenFile)
		}
		if caFile == "" {
			if c, err := provider.LoadConfig(*a.dir); err == nil {
				caFile = c.TLS.CertFile
				if !filepath.IsAbs(caFile) {
					caFile = filepath.Join(*a.dir, caFile)
				}
			}
		}
	}
	if tokenFile == "" {
		return nil, errors.New("--token-file or --dir: required (an officer's token)")
	}
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, fmt.Errorf("--token-file: %w", err)
	}
	c, err := newClient(e, server, caFile)
	if err != nil {
		return nil, err
	}
	return c.With(string(trimNL(tok))), nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
