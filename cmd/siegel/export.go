package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/export"
)

// runExport saves a letter, a folder or the whole account (TR PVD-FU
// §3.1.3.4, PVD-IO §3.6): what a user takes along when leaving the
// provider, with every proof. The file appears only once the export is
// whole; one that broke off leaves nothing behind.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "export letter ID | folder NAME | account [--out FILE]\n\n"+
		"  letter ID     one letter as stored, an RFC 5322 file with its integrity value (ID.eml)\n"+
		"  folder NAME   inbox, sent, confirmations or trash as an mbox (NAME.mbox; RFC 4155, mboxrd, CRLF)\n"+
		"  account       every letter and every evidence file with an index, as one zip archive,\n"+
		"                which siegel verify ARCHIVE.zip checks in one go\n\n"+
		"Below login level high, personal letters are left out (siegel step-up first to have them)")
	out := fs.String("out", "", `the file to write ("-" for standard output); default: ID.eml, NAME.mbox or siegel-ADDRESS-DATE.zip here`)
	sess := sessionFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	usage := errors.New("usage: siegel export letter ID | folder NAME | account [--out FILE]")
	if len(pos) == 0 {
		return usage
	}
	c, s, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	var write func(io.Writer) (*client.ExportResult, error)
	name := *out
	switch {
	case pos[0] == "letter" && len(pos) == 2:
		id := pos[1]
		if name == "" {
			name = filepath.Base(id) + ".eml"
		}
		write = func(w io.Writer) (*client.ExportResult, error) {
			n, err := c.ExportLetter(ctx, id, w)
			return &client.ExportResult{Letters: 1, Bytes: n}, err
		}
	case pos[0] == "folder" && len(pos) == 2:
		folder := pos[1]
		if name == "" {
			name = filepath.Base(folder) + ".mbox"
		}
		write = func(w io.Writer) (*client.ExportResult, error) { return c.ExportFolder(ctx, folder, w) }
	case pos[0] == "account" && len(pos) == 1:
		if name == "" {
			name = export.ArchiveName(s.Address, time.Now())
		}
		write = func(w io.Writer) (*client.ExportResult, error) { return c.ExportAccount(ctx, w) }
	default:
		return usage
	}
	if name == "-" {
		_, err := write(e.stdout)
		return err
	}
	res, err := writeAtomically(name, write)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "letter":
		fmt.Fprintf(e.stdout, "saved %s (%d bytes); siegel verify %s checks its integrity value\n", name, res.Bytes, name)
	case "folder":
		fmt.Fprintf(e.stdout, "saved %s: %d letters (%d bytes)\n", name, res.Letters, res.Bytes)
	default:
		fmt.Fprintf(e.stdout, "saved %s: %d letters, %d evidence files (%d bytes)\ncheck it with: siegel verify %s\n",
			name, res.Letters, res.Evidence, res.Bytes, name)
	}
	if res.Withheld > 0 {
		fmt.Fprintf(e.stderr, "siegel export: note: %d personal letters left out: their content needs login level high (DMG §5(4)); "+
			"run siegel step-up and export again to have them\n", res.Withheld)
	}
	return nil
}

// writeAtomically writes name through a temporary file beside it, renamed
// into place only when write succeeds.
func writeAtomically(name string, write func(io.Writer) (*client.ExportResult, error)) (*client.ExportResult, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.part")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name()) // after a rename, nothing is there
	res, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return nil, err
	}
	return res, os.Rename(f.Name(), name)
}
