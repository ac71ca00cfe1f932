package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// runSearch searches the mailbox through the API's index (TR PVD-FU
// §3.1.3.8): the words given, and the filters.
func runSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "search", "search [--from A] [--to A] [--subject S] [--file-number X] [--after D] [--before D] "+
		"[--option O] [--state S] [--folder F] [--include-trash] [--limit N] [--cursor C] [--json] [TEXT]")
	var q client.SearchQuery
	var options, states multi
	fs.StringVar(&q.From, "from", "", "words of the sender's address")
	fs.StringVar(&q.To, "to", "", "words of a recipient's address (To, Cc; Bcc in your own sent letters)")
	fs.StringVar(&q.Subject, "subject", "", "words of the subject")
	fs.StringVar(&q.FileNumber, "file-number", "", "words of the sender's file number")
	fs.StringVar(&q.After, "after", "", "arrived from this day (YYYY-MM-DD, the provider's time zone) or time (RFC 3339) on")
	fs.StringVar(&q.Before, "before", "", "arrived up to this day, included (YYYY-MM-DD), or before this time (RFC 3339)")
	fs.Var(&options, "option", "a dispatch option the letter has: personal, sender_confirmed, dispatch_confirmation, "+
		"receipt_confirmation, pickup_confirmation (repeat for several)")
	fs.Var(&states, "state", "a state: unread, read, awaiting_pickup, picked_up (repeat for several)")
	folder := fs.String("folder", "", "inbox, sent, trash, confirmations, or the name or f:ID of one of your folders; every folder but the trash when absent")
	fs.BoolVar(&q.IncludeTrash, "include-trash", false, "without --folder: search the trash too")
	fs.IntVar(&q.Limit, "limit", 50, "letters per page (at most 200)")
	fs.StringVar(&q.Cursor, "cursor", "", "the next value of a previous page")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the page as JSON")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	q.Text, q.Options, q.States = strings.Join(words, " "), options, states
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	if *folder != "" {
		if q.Folder, err = resolveFolder(ctx, c, *folder); err != nil {
			return err
		}
	}
	l, err := c.Search(ctx, &q)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, l)
	}
	if len(l.Letters) == 0 {
		fmt.Fprintln(e.stdout, "no letters found")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFOLDER\tARRIVED\tFROM\tSUBJECT\tFLAGS")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Folder, s.Arrived.Local().Format("2006-01-02 15:04"), s.From,
			subject, flags)
	}
	tw.Flush()
	if l.Next != "" {
		fmt.Fprintf(e.stdout, "more: the same search with --cursor %s\n", l.Next)
	}
	return nil
}
