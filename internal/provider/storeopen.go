package provider

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres"
	"github.com/siegel-mail/siegel/internal/store/sqlite"
)

// storeKind names the store a store.url selects, "" for none.
func storeKind(url string) string {
	switch {
	case strings.HasPrefix(url, "sqlite:") && len(url) > len("sqlite:"):
		return "sqlite"
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return "postgres"
	}
	return ""
}

// openStore opens the metadata store the config names. The embedded store
// belongs to one process, which takes the data folder's lock; PostgreSQL is
// shared by every node of the provider, and so is the data folder (config,
// keys, and the blob folder on shared storage), so no lock is taken then.
func openStore(ctx context.Context, c *Config, dir string, blobs *blob.FS, log *slog.Logger) (store.Store, *os.File, error) {
	switch storeKind(c.Store.URL) {
	case "sqlite":
		lock, err := lockDir(dir)
		if err != nil {
			return nil, nil, err
		}
		path := strings.TrimPrefix(c.Store.URL, "sqlite:")
		st, err := sqlite.Open(ctx, abs(dir, path), sqlite.Options{PreCommit: blobs.Sync, Log: log})
		if err != nil {
			lock.Close()
			return nil, nil, fmt.Errorf("store.url: %w", err)
		}
		return st, lock, nil
	case "postgres":
		st, err := postgres.Open(ctx, c.Store.URL, postgres.Options{PreCommit: blobs.Sync, Log: log})
		if err != nil {
			return nil, nil, fmt.Errorf("store.url: %w", err)
		}
		return st, nil, nil
	}
	return nil, nil, fmt.Errorf("store.url: %q is neither sqlite:PATH nor a postgres:// URL", c.Store.URL)
}

// Migrate brings the database of the provider in dir to this build's schema
// and reports the versions before and after. The server migrates the embedded
// store itself on start; for PostgreSQL, operators run siegel migrate before
// rolling a new version out to the nodes, and a node refuses a database newer
// than itself.
func Migrate(ctx context.Context, dir string, log *slog.Logger) (from, to int, err error) {
	c, err := LoadConfig(dir)
	if err != nil {
		return 0, 0, err
	}
	switch storeKind(c.Store.URL) {
	case "postgres":
		return postgres.Migrate(ctx, c.Store.URL)
	default:
		lock, err := lockDir(dir)
		if err != nil {
			return 0, 0, err
		}
		defer lock.Close()
		path := abs(dir, strings.TrimPrefix(c.Store.URL, "sqlite:"))
		return sqlite.Migrate(ctx, path)
	}
}
