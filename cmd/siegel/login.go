package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api/client"
	"golang.org/x/term"
)

func runLogin(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "login", "login --server URL --address A [--password-file F] [--totp-code C]")
	server := fs.String("server", "", "the provider's URL (see demo.json's api_url)")
	addr := fs.String("address", "", "your registered-mail address")
	pwFile := fs.String("password-file", "", "read the password from this file (- for standard input) instead of the terminal")
	code := fs.String("totp-code", "", "TOTP code: log in at high instead of normal")
	caFile := fs.String("ca-file", "", "PEM certificate to trust for this server, in addition to the system's and the trust folder's")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the session as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "" {
		return errors.New("--address: required")
	}
	pw, err := readPassword(e, *pwFile)
	if err != nil {
		return err
	}
	if *caFile != "" {
		// Saved with the session: later verbs may run from another folder.
		if *caFile, err = filepath.Abs(*caFile); err != nil {
			return err
		}
	}
	c, err := newClient(e, *server, *caFile)
	if err != nil {
		return err
	}
	s, err := c.Login(ctx, *addr, pw, *code)
	if err != nil {
		return err
	}
	path, err := sessionPath(e, *sess)
	if err != nil {
		return err
	}
	if err := saveSession(path, &savedSession{Server: *server, Token: s.Token, Address: s.Account.Address,
		Level: s.Level, CAFile: *caFile}); err != nil {
		return err
	}
	if *asJSON {
		s.Token = "" // kept in the session file, not printed
		return printJSON(e, s)
	}
	fmt.Fprintf(e.stdout, "logged in as %s at level %s (session saved in %s)\n", s.Account.Address, s.Level, path)
	return nil
}

// readPassword reads from a file, standard input ("-"), or the terminal without
// echo.
func readPassword(e *env, file string) (string, error) {
	switch {
	case file == "-":
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("--password-file -: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to read the password from: use --password-file")
	}
	fmt.Fprint(e.stderr, "Password: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	return string(b), err
}

func runLogout(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "logout", "logout")
	sess := sessionFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	// Forget the session here whatever the server says: an expired or revoked
	// session is as ended as a logged-out one, and a server out of reach must
	// not keep the token on disk.
	serr := c.Logout(ctx)
	path, _ := sessionPath(e, *sess)
	if err := os.Remove(path); err != nil {
		return err
	}
	var ce *client.Error
	if errors.As(serr, &ce) && ce.Status == 401 {
		return nil
	}
	return serr
}

func runStepUp(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "step-up", "step-up --totp-code C")
	code := fs.String("totp-code", "", "TOTP code from your authenticator")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the session as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, saved, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	s, err := c.StepUp(ctx, *code)
	if err != nil {
		return err
	}
	saved.Level = s.Level
	path, _ := sessionPath(e, *sess)
	if err := saveSession(path, saved); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, s)
	}
	fmt.Fprintf(e.stdout, "session is now at level %s\n", s.Level)
	return nil
}

func runTOTP(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "totp", "totp enroll | totp confirm CODE | totp code SECRET")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && pos[0] == "code" {
		// For trying the demo without an authenticator app: the secrets are in
		// demo.json. A real second factor lives on another device.
		code, err := account.TOTPCode(pos[1], time.Now())
		if err != nil {
			return fmt.Errorf("SECRET: %w", err)
		}
		fmt.Fprintln(e.stdout, code)
		return nil
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "enroll":
		en, err := c.EnrollTOTP(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, en)
		}
		fmt.Fprintf(e.stdout, "secret: %s\nuri:    %s\nAdd it to your authenticator, then run: siegel totp confirm CODE\n", en.Secret, en.URI)
		return nil
	case len(pos) == 2 && pos[0] == "confirm":
		a, err := c.ConfirmTOTP(ctx, pos[1])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, a)
		}
		fmt.Fprintln(e.stdout, "second factor enabled: you can now log in at high")
		return nil
	}
	return errors.New("usage: siegel totp enroll | siegel totp confirm CODE | siegel totp code SECRET")
}
