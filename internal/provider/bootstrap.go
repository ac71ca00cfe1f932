package provider

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/siegel-mail/siegel/internal/registration"
)

// OperatorTokenFile holds the first operator's token, made by siegel init.
const OperatorTokenFile = "keys/operator.token"

// urlFile is where a running server writes the URL it serves at, so that admin
// verbs given --dir find it.
const urlFile = "siegel.url"

// Bootstrap creates the first operator of a new provider and writes its token
// to keys/operator.token (mode 0600).
func Bootstrap(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	p, err := Open(ctx, dir, Options{Log: log})
	if err != nil {
		return "", err
	}
	defer p.Close()
	_, token, err := p.Reg.AddOfficer(ctx, "operator", registration.RoleOperator)
	if err != nil {
		return "", err
	}
	if err := writeFileSync(filepath.Join(dir, OperatorTokenFile), []byte(token+"\n"), 0o600); err != nil {
		return "", err
	}
	return token, nil
}

// WriteURL records the URL a server is serving at.
func WriteURL(dir, url string) error {
	tmp := filepath.Join(dir, urlFile+".tmp")
	if err := os.WriteFile(tmp, []byte(url+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, urlFile))
}

// ReadURL returns the URL the provider in dir last served at.
func ReadURL(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, urlFile))
	if err != nil {
		return "", fmt.Errorf("%s: is the server running? (%w)", dir, err)
	}
	return strings.TrimSpace(string(b)), nil
}
