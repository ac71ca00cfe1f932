package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/siegel-mail/siegel/internal/api/client"
)

func runRead(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "read", "read ID [--save-attachments DIR] [--raw]")
	saveDir := fs.String("save-attachments", "", "write the attachments into this folder")
	raw := fs.Bool("raw", false, "print the letter as an RFC 5322 message")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the letter as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel read ID (the ID from siegel inbox)")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	if *raw {
		b, err := c.Raw(ctx, pos[0])
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(b)
		return err
	}
	l, err := c.Letter(ctx, pos[0])
	if err != nil {
		return err
	}
	if *saveDir != "" {
		for _, a := range l.AttachmentList {
			b, err := c.Attachment(ctx, pos[0], a.Index)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(*saveDir, filepath.Base(a.Filename)), b, 0o600); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		return printJSON(e, l)
	}
	w := e.stdout
	from := l.From
	if l.SenderLevel != "" { // the provider's own messages have none
		from += " (sent at level " + l.SenderLevel + ")"
	}
	fmt.Fprintf(w, "From:    %s\nTo:      %s\n", from, strings.Join(l.To, ", "))
	if len(l.Cc) > 0 {
		fmt.Fprintf(w, "Cc:      %s\n", strings.Join(l.Cc, ", "))
	}
	if len(l.Bcc) > 0 {
		fmt.Fprintf(w, "Bcc:     %s\n", strings.Join(l.Bcc, ", "))
	}
	fmt.Fprintf(w, "Subject: %s\nArrived: %s\n", l.Subject, l.Arrived.Local().Format("2006-01-02 15:04:05 MST"))
	if o := l.Options; o != nil {
		var opts []string
		for _, f := range []struct {
			on   bool
			name string
		}{{o.Personal, "personal"}, {o.SenderConfirmed, "sender-confirmed"}, {o.DispatchConfirmation, "dispatch confirmation"},
			{o.ReceiptConfirmation, "receipt confirmation"}, {o.PickupConfirmation, "pickup confirmation"}} {
			if f.on {
				opts = append(opts, f.name)
			}
		}
		if o.PrivateID != "" {
			opts = append(opts, "file number "+o.PrivateID)
		}
		if len(opts) > 0 {
			fmt.Fprintf(w, "Options: %s\n", strings.Join(opts, ", "))
		}
	}
	if l.InReplyTo != "" {
		fmt.Fprintf(w, "In reply to: <%s>\n", l.InReplyTo)
	}
	if l.EndToEnd != "" {
		fmt.Fprintf(w, "End to end: %s by the sender's program, passed on unchanged; check or decrypt it with siegel read --raw and your e-mail program\n", l.EndToEnd)
	}
	fmt.Fprintf(w, "\n%s\n", l.Text)
	for _, a := range l.AttachmentList {
		fmt.Fprintf(w, "[attachment %d] %s (%s, %d bytes)\n", a.Index, a.Filename, a.ContentType, a.Size)
	}
	for _, ev := range l.Events {
		fmt.Fprintf(w, "event: %-11s %s %s\n", ev.Kind, ev.At.Local().Format("2006-01-02 15:04:05"), ev.Address)
	}
	return nil
}

func runDelete(ctx context.Context, e *env, args []string) error {
	return letterAction(ctx, e, args, "delete", "usage: siegel delete ID",
		func(c *client.Client, id string) (any, string, error) {
			d, err := c.Delete(ctx, id)
			if err != nil {
				return nil, "", err
			}
			if d.Final {
				return d, "deleted for good", nil
			}
			return d, "moved to the trash", nil
		})
}

func runRestore(ctx context.Context, e *env, args []string) error {
	return letterAction(ctx, e, args, "restore", "usage: siegel restore ID (the ID from siegel inbox --folder trash)",
		func(c *client.Client, id string) (any, string, error) {
			l, err := c.Restore(ctx, id)
			if err != nil {
				return nil, "", err
			}
			return l, "restored to " + l.Folder, nil
		})
}

// letterAction runs a verb that does one thing to one letter of the
// session's mailbox: it prints the result as JSON with --json, else what
// happened in words.
func letterAction(ctx context.Context, e *env, args []string, name, usage string,
	act func(c *client.Client, id string) (result any, said string, err error)) error {
	fs := newFlags(e, name, name+" ID")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New(usage)
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	res, said, err := act(c, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintln(e.stdout, said)
	return nil
}
