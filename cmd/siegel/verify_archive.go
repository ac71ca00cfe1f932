package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/verification"
)

// isArchive reports whether the file at name is an account archive (a
// zip file, from siegel export account): by its name, or by its first
// bytes (a zip's local file header).
func isArchive(name string) bool {
	if strings.EqualFold(filepath.Ext(name), ".zip") {
		return true
	}
	f, err := os.Open(name)
	if err != nil {
		return false // readBounded says why
	}
	defer f.Close()
	var head [4]byte
	_, err = io.ReadFull(f, head[:])
	return err == nil && bytes.Equal(head[:], []byte("PK\x03\x04"))
}

// checkArchiveFile checks an account archive in one go (TR PVD-FU
// §3.1.3.4: the export keeps every proof) and, with show, writes a line
// for each file and the verdict.
func checkArchiveFile(e *env, name string, a verification.Anchors, show bool) (*verification.ArchiveReport, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r := verification.CheckArchive(f, st.Size(), a)
	if show {
		printArchiveReport(e.stdout, name, r)
	}
	return r, nil
}

func printArchiveReport(w io.Writer, name string, r *verification.ArchiveReport) {
	if r.Account != "" {
		fmt.Fprintf(w, "%s: account archive of %s at %s, exported %s at login level %s\n", name, r.Account, r.Provider,
			r.Created.UTC().Format(time.RFC3339), r.Level)
	}
	for _, f := range r.Files {
		switch {
		case f.Withheld != "":
			fmt.Fprintf(w, "  %-9s %s\n", "WITHHELD", f.Note)
		case f.Valid:
			fmt.Fprintf(w, "  %-9s %s: %s\n", "VALID", f.Path, f.Note)
		default:
			fmt.Fprintf(w, "  %-9s %s: %s check failed: %s\n", "INVALID", f.Path, f.FailedCheck, f.Reason)
		}
	}
	if !r.Valid {
		fmt.Fprintf(w, "%s: INVALID (%s: %s); %d failed\n", name, r.FailedCheck, r.Reason, r.Failed)
		return
	}
	fmt.Fprintf(w, "%s: VALID: %d letters and %d evidence files, each as the index lists it, each checked\n", name, r.Letters, r.Evidence)
	if r.Withheld > 0 {
		fmt.Fprintf(w, "  note: %d personal letters are listed without their content: exported below login level high\n", r.Withheld)
	}
}
