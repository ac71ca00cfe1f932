package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"

	"github.com/siegel-mail/siegel/internal/api"
)

func runSend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "send", "send --to A [--cc A] [--bcc A] --subject S (--text T | --text-file F) [--attach F]… [options]")
	lf := letterFlags(fs)
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return sendLetter(ctx, e, lf, *sess, *asJSON)
}

// letterForm is what send, reply and forward take of a letter.
type letterForm struct {
	to, cc, bcc, attach multi
	subject, text, file *string
	req                 api.SendRequest
}

// letterFlags defines the flags of a letter on fs.
func letterFlags(fs *flag.FlagSet) *letterForm {
	f := &letterForm{}
	fs.Var(&f.to, "to", "recipient (repeatable)")
	fs.Var(&f.cc, "cc", "copy recipient (repeatable)")
	fs.Var(&f.bcc, "bcc", "blind copy recipient, each gets a copy of their own (repeatable)")
	fs.Var(&f.attach, "attach", "file to attach (repeatable)")
	f.subject = fs.String("subject", "", "subject")
	f.text = fs.String("text", "", "the letter's text")
	f.file = fs.String("text-file", "", "read the text from this file")
	r := &f.req
	fs.BoolVar(&r.Personal, "personal", false, "personal: the recipient reads it only at level high (needs high)")
	fs.BoolVar(&r.SenderConfirmed, "sender-confirmed", false, "sender-confirmed: replaces written form towards authorities (needs high, no pseudonym)")
	fs.BoolVar(&r.DispatchConfirmation, "dispatch-confirmation", false, "ask for a dispatch confirmation")
	fs.BoolVar(&r.ReceiptConfirmation, "receipt-confirmation", false, "ask for a receipt confirmation")
	fs.BoolVar(&r.PickupConfirmation, "pickup-confirmation", false, "ask for a pickup confirmation (authorities entitled to formal service; implies personal)")
	fs.StringVar(&r.PrivateID, "private-id", "", "your file number, copied into confirmations")
	return f
}

// request reads the text and the attachments into the request.
func (f *letterForm) request() (*api.SendRequest, error) {
	if *f.text != "" && *f.file != "" {
		return nil, errors.New("--text, --text-file: give one, not both")
	}
	req := f.req
	req.To, req.Cc, req.Bcc, req.Subject, req.Text = f.to, f.cc, f.bcc, *f.subject, *f.text
	if *f.file != "" {
		b, err := os.ReadFile(*f.file)
		if err != nil {
			return nil, fmt.Errorf("--text-file: %w", err)
		}
		req.Text = string(b)
	}
	for _, name := range f.attach {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--attach: %w", err)
		}
		ct := mime.TypeByExtension(filepath.Ext(name))
		req.Attachments = append(req.Attachments, api.Attachment{Filename: filepath.Base(name), ContentType: ct, Data: b})
	}
	return &req, nil
}

// sendLetter sends the letter of f, with adjust applied to the request.
func sendLetter(ctx context.Context, e *env, f *letterForm, sess string, asJSON bool, adjust ...func(*api.SendRequest)) error {
	req, err := f.request()
	if err != nil {
		return err
	}
	for _, a := range adjust {
		a(req)
	}
	c, _, err := sessionClient(e, sess)
	if err != nil {
		return err
	}
	res, err := c.Send(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "accepted %s at %s\nmessage id %s\n", res.ID, res.AcceptedAt.Format("2006-01-02 15:04:05 MST"), res.MessageID)
	return nil
}
