package main

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"

	"github.com/siegel-mail/siegel/internal/api"
)

func runSend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "send", "send --to A [--cc A] [--bcc A] --subject S (--text T | --text-file F) [--attach F]… [options]")
	var to, cc, bcc, attach multi
	fs.Var(&to, "to", "recipient (repeatable)")
	fs.Var(&cc, "cc", "copy recipient (repeatable)")
	fs.Var(&bcc, "bcc", "blind copy recipient, each gets a copy of their own (repeatable)")
	fs.Var(&attach, "attach", "file to attach (repeatable)")
	subject := fs.String("subject", "", "subject")
	text := fs.String("text", "", "the letter's text")
	textFile := fs.String("text-file", "", "read the text from this file")
	var req api.SendRequest
	fs.BoolVar(&req.Personal, "personal", false, "personal: the recipient reads it only at level high (needs high)")
	fs.BoolVar(&req.SenderConfirmed, "sender-confirmed", false, "sender-confirmed: replaces written form towards authorities (needs high, no pseudonym)")
	fs.BoolVar(&req.DispatchConfirmation, "dispatch-confirmation", false, "ask for a dispatch confirmation")
	fs.BoolVar(&req.ReceiptConfirmation, "receipt-confirmation", false, "ask for a receipt confirmation")
	fs.BoolVar(&req.PickupConfirmation, "pickup-confirmation", false, "ask for a pickup confirmation (authorities entitled to formal service; implies personal)")
	fs.StringVar(&req.PrivateID, "private-id", "", "your file number, copied into confirmations")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *text != "" && *textFile != "" {
		return errors.New("--text, --text-file: give one, not both")
	}
	req.To, req.Cc, req.Bcc, req.Subject, req.Text = to, cc, bcc, *subject, *text
	if *textFile != "" {
		b, err := os.ReadFile(*textFile)
		if err != nil {
			return fmt.Errorf("--text-file: %w", err)
		}
		req.Text = string(b)
	}
	for _, f := range attach {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("--attach: %w", err)
		}
		ct := mime.TypeByExtension(filepath.Ext(f))
		req.Attachments = append(req.Attachments, api.Attachment{Filename: filepath.Base(f), ContentType: ct, Data: b})
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	res, err := c.Send(ctx, &req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "accepted %s at %s\nmessage id %s\n", res.ID, res.AcceptedAt.Format("2006-01-02 15:04:05 MST"), res.MessageID)
	return nil
}
