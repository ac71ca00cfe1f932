package main

import (
	"context"
	"errors"

	"github.com/siegel-mail/siegel/internal/api"
)

// runReply answers a letter (TR PVD-FU §3.1.3.6): the server threads the
// answer to it and fills in what is not given (recipient, subject, file
// number; api.SendRequest.ReplyTo).
func runReply(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reply", "reply ID (--text T | --text-file F) [--to A]… [--subject S] [--attach F]… [options]\n\n"+
		"Answers letter ID (from siegel inbox). Without --to/--cc/--bcc it goes to the letter's sender\n"+
		"(your own letter: its recipients again); without --subject it is \"Re: \" and the letter's subject;\n"+
		"without --private-id it carries the letter's file number. A personal letter needs high.")
	lf := letterFlags(fs)
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel reply ID --text T (the ID from siegel inbox)")
	}
	return sendLetter(ctx, e, lf, *sess, *asJSON, func(r *api.SendRequest) { r.ReplyTo = pos[0] })
}

// runForward passes a letter on as a new registered letter: its text
// quoted after the forwarder's, its attachments carried
// (api.SendRequest.Forward).
func runForward(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forward", "forward ID --to A [--to A]… [--text T | --text-file F] [--subject S] [--attach F]… [options]\n\n"+
		"Sends letter ID (from siegel inbox) on as a new registered letter: your text, then the letter's,\n"+
		"quoted; its attachments after yours. Without --subject it is \"Fwd: \" and the letter's subject.\n"+
		"A personal letter can be forwarded only at high.")
	lf := letterFlags(fs)
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel forward ID --to A (the ID from siegel inbox)")
	}
	if len(lf.to)+len(lf.cc)+len(lf.bcc) == 0 {
		return errors.New("--to: required: whom to forward the letter to")
	}
	return sendLetter(ctx, e, lf, *sess, *asJSON, func(r *api.SendRequest) { r.Forward = pos[0] })
}
