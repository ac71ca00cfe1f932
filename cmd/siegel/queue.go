package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"
)

// runQueue shows operators the provider's queued work and retries a job.
func runQueue(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return errors.New("usage: siegel queue list [--kind K] [--failing] [--limit N] [--cursor C] | siegel queue retry ID")
	}
	switch args[0] {
	case "retry":
		fs := newFlags(e, "queue retry", "queue retry ID [--dir DIR | --server URL --token-file F]")
		af := addAdminFlags(fs)
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: siegel queue retry ID (the ID from siegel queue list)")
		}
		c, err := af.client(e)
		if err != nil {
			return err
		}
		if err := c.RetryJob(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "job %s is due now\n", pos[0])
		return nil
	}
	fs := newFlags(e, "queue list", "queue list [--kind K] [--failing] [--limit N] [--cursor C] [--dir DIR | --server URL --token-file F]")
	af := addAdminFlags(fs)
	kind := fs.String("kind", "", "only jobs of this kind: evidence, rejection, relay, relay-warning, malware-notice, auto-forward, deemed-service, pickup-reminder")
	failing := fs.Bool("failing", false, "only jobs whose last attempt failed")
	limit := fs.Int("limit", 100, "jobs per page, at most 500")
	cursor := fs.String("cursor", "", "the next page, as the previous page printed it")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	l, err := c.Queue(ctx, *kind, *failing, *limit, *cursor)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, l)
	}
	if len(l.Jobs) == 0 {
		fmt.Fprintln(e.stdout, "The queue holds no such job.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tDUE\tATTEMPTS\tRUNNING ON\tLAST ERROR")
	for _, j := range l.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.RunAt.UTC().Format(time.RFC3339), j.Attempts, j.LeasedBy, j.LastError)
	}
	tw.Flush()
	if l.Next != "" {
		fmt.Fprintf(e.stdout, "more: siegel queue list --cursor %s\n", l.Next)
	}
	return nil
}
