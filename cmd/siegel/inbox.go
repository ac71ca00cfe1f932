package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func runInbox(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inbox", "inbox [--folder inbox|sent|trash|confirmations|NAME|f:ID] [--limit N] [--cursor C]")
	folder := fs.String("folder", "inbox", "inbox, sent, trash, confirmations (the signed confirmation messages), or the name or f:ID of one of your folders")
	limit := fs.Int("limit", 50, "letters per page (at most 200)")
	cursor := fs.String("cursor", "", "the next value of a previous page")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the page as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	f, err := resolveFolder(ctx, c, *folder)
	if err != nil {
		return err
	}
	l, err := c.List(ctx, f, *limit, *cursor)
	if err != nil {
		return err
	}
	warnQuota(ctx, e, c) // on stderr: the listing on stdout stays as scripts read it
	if *asJSON {
		return printJSON(e, l)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tARRIVED\tFROM\tSUBJECT\tFLAGS")
	for _, s := range l.Letters {
		subject, flags := s.Subject, ""
		if s.ContentHidden {
			subject = "(personal: log in at high to see it)"
		}
		if !s.Read {
			flags += "new "
		}
		if s.Personal {
			flags += "personal "
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Arrived.Local().Format("2006-01-02 15:04"), s.From, subject, flags)
	}
	tw.Flush()
	if l.Next != "" {
		fmt.Fprintf(e.stdout, "more: siegel inbox --folder %s --cursor %s\n", f, l.Next)
	}
	return nil
}
