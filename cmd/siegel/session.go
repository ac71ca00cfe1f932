package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// savedSession is what login writes: enough for later verbs to act as the user.
type savedSession struct {
	Server  string `json:"server"`
	Token   string `json:"token"`
	Address string `json:"address"`
	Level   string `json:"level"`
	CAFile  string `json:"ca_file,omitempty"`
}

// configDir is the user's siegel folder: SIEGEL_CONFIG_DIR, or siegel/ in the
// user's config folder.
func configDir(e *env) (string, error) {
	if d := e.getenv("SIEGEL_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "siegel"), nil
}

// trustDir holds extra root certificates the client trusts: siegel demo puts its
// loopback certificate there, so the CLI works against it with no flags.
func trustDir(e *env) (string, error) {
	d, err := configDir(e)
	return filepath.Join(d, "trust"), err
}

// sessionFlag adds --session to a client verb.
func sessionFlag(fs *flag.FlagSet) *string {
	return fs.String("session", "", "session file (default: session.json in the user's siegel config folder)")
}

func sessionPath(e *env, flagVal string) (string, error) {
	if flagVal != "" {
		return flagVal, nil
	}
	d, err := configDir(e)
	return filepath.Join(d, "session.json"), err
}

func saveSession(path string, s *savedSession) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func loadSession(path string) (*savedSession, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("not logged in (no session at %s): run siegel login first", path)
	}
	if err != nil {
		return nil, err
	}
	var s savedSession
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("session file %s: %w", path, err)
	}
	return &s, nil
}

// newClient builds a client for server trusting the system roots, the trust
// folder and caFile.
func newClient(e *env, server, caFile string) (*client.Client, error) {
	if server == "" {
		return nil, errors.New("--server: required (the provider's URL, e.g. https://127.0.0.1:8443)")
	}
	td, err := trustDir(e)
	if err != nil {
		return nil, err
	}
	roots := client.TrustDir(td)
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		roots = append(roots, b)
	}
	return client.New(server, roots...)
}

// sessionClient loads the saved session and returns a client acting as it.
func sessionClient(e *env, sessionFlagVal string) (*client.Client, *savedSession, error) {
	path, err := sessionPath(e, sessionFlagVal)
	if err != nil {
		return nil, nil, err
	}
	s, err := loadSession(path)
	if err != nil {
		return nil, nil, err
	}
	c, err := newClient(e, s.Server, s.CAFile)
	if err != nil {
		return nil, nil, err
	}
	return c.With(s.Token), s, nil
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
