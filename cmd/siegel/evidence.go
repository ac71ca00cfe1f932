package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"
)

// runEvidence lists a letter's evidence and, with --out, saves each file and
// its confirmation message, for siegel verify or a court's file.
func runEvidence(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "evidence", "evidence ID [--out DIR] [--json]")
	out := fs.String("out", "", "save each evidence file (EVENT-ID.p7m) and its confirmation message (EVENT-ID.eml) into this folder")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the list as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel evidence ID (the letter's ID from siegel inbox)")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	list, err := c.Evidence(ctx, pos[0])
	if err != nil {
		return err
	}
	var saved []string
	if *out != "" {
		if err := os.MkdirAll(*out, 0o700); err != nil {
			return err
		}
		for _, ev := range list.Evidence {
			name := filepath.Join(*out, ev.Event+"-"+ev.ID)
			b, err := c.EvidenceFile(ctx, ev.ID)
			if err != nil {
				return err
			}
			if err := os.WriteFile(name+".p7m", b, 0o600); err != nil {
				return err
			}
			saved = append(saved, name+".p7m")
			if ev.Confirmation == "" {
				continue
			}
			raw, err := c.Raw(ctx, ev.Confirmation)
			if err != nil {
				return fmt.Errorf("confirmation message %s: %w", ev.Confirmation, err)
			}
			if err := os.WriteFile(name+".eml", raw, 0o600); err != nil {
				return err
			}
			saved = append(saved, name+".eml")
		}
	}
	if *asJSON {
		return printJSON(e, list)
	}
	if len(list.Evidence) == 0 {
		fmt.Fprintln(e.stdout, "No evidence for this letter (yet: confirmations are issued within seconds of their event).")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tTIME\tRECIPIENT\tEVIDENCE\tCONFIRMATION")
	for _, ev := range list.Evidence {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Event, ev.At.UTC().Format(time.RFC3339), ev.Recipient, ev.ID, ev.Confirmation)
	}
	tw.Flush()
	for _, f := range saved {
		fmt.Fprintln(e.stdout, "saved", f)
	}
	return nil
}
