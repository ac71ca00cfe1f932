package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/demo"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/verification"
)

// runVerify checks a confirmation message, an evidence file or a letter's
// integrity offline: exit 0 when valid, 1 when not, with the check that
// failed and why.
func runVerify(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "verify FILE… [--root PEM] [--trust-list FILE] [--json]\n\n"+
		"A FILE is a confirmation message (.eml), an evidence file (.p7m), a letter (.eml),\n"+
		"or an account archive (.zip, from siegel export account), checked in one go")
	rootFlag := fs.String("root", "", "the accreditation authority's root certificate (PEM); default: "+demo.RootCertFile+" in the CLI's config folder, which siegel demo writes")
	listFlag := fs.String("trust-list", "", "the authority's signed trust list: the signer must be an accredited provider's seal on it")
	asJSON := fs.Bool("json", false, "print the report as JSON (an array of reports for several files)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("usage: siegel verify FILE… (confirmation .eml, evidence .p7m, letter .eml, or account archive .zip files)")
	}
	anchors, err := loadAnchors(e, *rootFlag, *listFlag)
	if err != nil {
		return err
	}
	var reports []any
	var invalid []string
	for _, name := range pos {
		if isArchive(name) { // verify_archive.go
			r, err := checkArchiveFile(e, name, anchors, !*asJSON)
			if err != nil {
				return err
			}
			reports = append(reports, r)
			if !r.Valid {
				invalid = append(invalid, fmt.Sprintf("%s: %s check failed: %s", name, r.FailedCheck, r.Reason))
			}
			continue
		}
		file, err := readBounded(name, verification.MaxFile)
		if err != nil {
			return err
		}
		r := verification.Check(file, anchors)
		reports = append(reports, r)
		if !*asJSON {
			printReport(e.stdout, name, r)
		}
		if !r.Valid {
			invalid = append(invalid, fmt.Sprintf("%s: %s check failed: %s", name, r.FailedCheck, r.Reason))
		}
	}
	if *asJSON {
		var out any = reports
		if len(reports) == 1 {
			out = reports[0]
		}
		if err := printJSON(e, out); err != nil {
			return err
		}
	}
	switch {
	case len(invalid) == 1 && len(pos) == 1:
		return fmt.Errorf("INVALID: %s", strings.TrimPrefix(invalid[0], pos[0]+": "))
	case len(invalid) > 0:
		return fmt.Errorf("INVALID: %d of %d files:\n  %s", len(invalid), len(pos), strings.Join(invalid, "\n  "))
	}
	return nil
}

// loadAnchors reads the root and, if given, the trust list. A list outside
// its validity still says who was accredited when it was signed; verify uses
// it and says so, since evidence is checked years later.
func loadAnchors(e *env, rootPath, listPath string) (verification.Anchors, error) {
	var a verification.Anchors
	if rootPath == "" {
		dir, err := configDir(e)
		if err != nil {
			return a, err
		}
		rootPath = filepath.Join(dir, demo.RootCertFile)
		if _, err := os.Stat(rootPath); err != nil {
			return a, fmt.Errorf("--root: no authority root certificate given, and none at %s (siegel demo writes one there)", rootPath)
		}
	}
	root, err := pki.ReadCertPEM(rootPath)
	if err != nil {
		return a, fmt.Errorf("--root: %w", err)
	}
	a.Root = root
	if listPath == "" {
		return a, nil
	}
	der, err := readBounded(listPath, 16<<20)
	if err != nil {
		return a, fmt.Errorf("--trust-list: %w", err)
	}
	l, err := pki.ParseTrustList(der, root, time.Now())
	var ve *pki.ValidityError
	if errors.As(err, &ve) {
		fmt.Fprintf(e.stderr, "siegel verify: note: %v; checking against it anyway\n", err)
		l, err = ve.List, nil
	}
	if err != nil {
		return a, fmt.Errorf("--trust-list: %w", err)
	}
	a.TrustList = l
	return a, nil
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a file siegel verify reads", path, limit)
	}
	return b, nil
}

func printReport(w io.Writer, name string, r *verification.Report) {
	verdict := "VALID"
	if !r.Valid {
		verdict = "INVALID (" + r.FailedCheck + ": " + r.Reason + ")"
	}
	fmt.Fprintf(w, "%s: %s\n", name, verdict)
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-17s %s\n", label+":", v)
		}
	}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	who := func(p *verification.Party) string {
		if p == nil {
			return ""
		}
		s := p.Address
		if p.Name != "" {
			s = p.Name + " <" + p.Address + ">"
		}
		if p.Level != "" {
			s += " (login level " + p.Level + ")"
		}
		return s
	}
	line("kind", r.Kind)
	line("event", r.Event)
	line("event time", at(r.EventTime))
	line("reasons", strings.Join(r.Reasons, "; "))
	line("issuer", strings.TrimSpace(r.IssuerName+" "+r.IssuerDomain))
	line("sender", who(r.Sender))
	line("recipient", who(r.Recipient))
	line("subject", r.Subject)
	line("message id", r.MessageID)
	line("file number", r.PrivateID)
	line("submitted", at(r.SubmissionTime))
	line("stored", at(r.ConsignmentTime))
	line("content SHA-256", r.ContentDigest)
	if r.Signed != nil {
		line("integrity", map[bool]string{true: "signed by the provider's seal (sender-confirmed)", false: "body hash only (not signed)"}[*r.Signed])
		line("body SHA-256", r.BodyHash)
	}
	line("signed at", at(r.SigningTime))
	line("time-stamped at", at(r.TimestampTime))
	line("time-stamped by", r.TSA)
	line("seal", r.Signer)
	line("seal SHA-256", r.SignerSHA256)
	line("chain", strings.Join(r.Chain, ", issued by "))
	line("trust list", r.TrustList)
	line("note", r.Revoked)
}
