package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/provider"
)

func runAccount(ctx context.Context, e *env, args []string) error {
	sub := map[string]func(context.Context, *env, []string) error{
		"open": accountOpen, "verify": accountVerify, "confirm": accountConfirm, "block": accountBlock,
		"unblock": accountUnblock, "close": accountClose, "show": accountShow, "list": accountList,
		"quota": accountQuota,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		return errors.New("usage: siegel account open|verify|confirm|block|unblock|close|show|list|quota … (-h for each)")
	}
	return sub[args[0]](ctx, e, args[1:])
}

func accountOpen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "account open", "account open --server URL --kind person|organisation|authority [holder flags] --acknowledge-info --consent-malware-scan")
	var req api.ApplicationRequest
	var p api.Person
	var o api.Organisation
	var reps multi
	fs.StringVar(&req.Kind, "kind", "person", "person, organisation or authority")
	fs.StringVar(&p.FirstNames, "first-names", "", "person: first name(s)")
	fs.StringVar(&p.Surname, "surname", "", "person: surname")
	fs.StringVar(&p.BirthDate, "birth-date", "", "person: date of birth, YYYY-MM-DD")
	fs.StringVar(&p.BirthPlace, "birth-place", "", "person: place of birth")
	fs.StringVar(&o.Name, "name", "", "organisation: name")
	fs.StringVar(&o.LegalForm, "legal-form", "", "organisation: legal form")
	fs.StringVar(&o.RegisterType, "register-type", "", "organisation: register type (e.g. HRB)")
	fs.StringVar(&o.RegisterPlace, "register-place", "", "organisation: register court")
	fs.StringVar(&o.RegisterNumber, "register-number", "", "organisation: register number")
	fs.Var(&reps, "representative", "organisation: legal representative (repeatable)")
	fs.BoolVar(&o.FormalService, "formal-service", false, "authority: entitled to formal service (pickup confirmations)")
	street := fs.String("street", "", "street and number (of the person, or the seat)")
	postcode := fs.String("postcode", "", "postcode")
	town := fs.String("town", "", "town")
	country := fs.String("country", "DE", "country, ISO 3166 alpha-2")
	fs.StringVar(&req.Address, "address", "", "one of the proposed addresses (default: the first free one)")
	fs.StringVar(&req.Pseudonym, "pseudonym", "", "ask for the pseudonym address pn_LABEL instead (persons)")
	fs.BoolVar(&req.InfoAcknowledged, "acknowledge-info", false, "you have read the mandatory information (DMG §9)")
	fs.BoolVar(&req.MalwareConsent, "consent-malware-scan", false, "you consent to malware scanning of your letters")
	fromFile := fs.String("from-file", "", "read the whole application as JSON (the API's application body) from this file")
	server := fs.String("server", "", "the provider's URL")
	dir := fs.String("dir", "", "the provider's data folder, instead of --server")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *fromFile != "" {
		b, err := os.ReadFile(*fromFile)
		if err != nil {
			return fmt.Errorf("--from-file: %w", err)
		}
		req = api.ApplicationRequest{}
		if err := json.Unmarshal(b, &req); err != nil {
			return fmt.Errorf("--from-file: %w", err)
		}
	} else if req.Kind == "person" {
		p.Street, p.Postcode, p.Town, p.Country = *street, *postcode, *town, *country
		req.Person = &p
	} else {
		o.Street, o.Postcode, o.Town, o.Country, o.Representatives = *street, *postcode, *town, *country, reps
		req.Organisation = &o
	}
	caFile := ""
	if *dir != "" {
		u, err := provider.ReadURL(*dir)
		if err != nil {
			return err
		}
		*server = u
		if c, err := provider.LoadConfig(*dir); err == nil {
			caFile = filepath.Join(*dir, c.TLS.CertFile)
		}
	}
	c, err := newClient(e, *server, caFile)
	if err != nil {
		return err
	}
	res, err := c.Apply(ctx, &req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "application %s received for %s (status %s)\nan officer verifies your identity next\n", res.ID, res.Address, res.Status)
	return nil
}

// accountArg parses a verb that takes one account id and admin flags.
func accountArg(e *env, name, usage string, args []string, extra func(*flag.FlagSet)) (string, adminFlags, error) {
	fs := newFlags(e, "account "+name, "account "+name+" ID "+usage)
	af := addAdminFlags(fs)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return "", af, err
	}
	if len(pos) != 1 {
		return "", af, fmt.Errorf("usage: siegel account %s ID %s", name, usage)
	}
	return pos[0], af, nil
}

func accountVerify(ctx context.Context, e *env, args []string) error {
	var req api.VerifyRequest
	id, af, err := accountArg(e, "verify", "--method M [--document-type T] [--document-date D]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&req.Method, "method", "", "id_card, passport, eid, qualified_signature or register_extract")
		fs.StringVar(&req.DocumentType, "document-type", "", "the document seen (e.g. \"Personalausweis\")")
		fs.StringVar(&req.DocumentDate, "document-date", "", "register extracts: the extract's date, YYYY-MM-DD (at most a month old)")
	})
	if err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	res, err := c.Verify(ctx, id, &req)
	if err != nil {
		return err
	}
	return printVerified(e, *af.asJSON, res)
}

func accountConfirm(ctx context.Context, e *env, args []string) error {
	id, af, err := accountArg(e, "confirm", "(as a second officer)", args, nil)
	if err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	res, err := c.Confirm(ctx, id)
	if err != nil {
		return err
	}
	return printVerified(e, *af.asJSON, res)
}

func printVerified(e *env, asJSON bool, res *api.VerifyResponse) error {
	if asJSON {
		return printJSON(e, res)
	}
	a := res.Account
	fmt.Fprintf(e.stdout, "%s: %s\n", a.Address, a.Status)
	if a.Status == "awaiting_confirmation" {
		fmt.Fprintln(e.stdout, "manual entry: a second officer must confirm (siegel account confirm)")
	}
	if res.InitialPassword != "" {
		fmt.Fprintf(e.stdout, "initial password (hand it to the holder; shown once): %s\n", res.InitialPassword)
	}
	return nil
}

func accountBlock(ctx context.Context, e *env, args []string) error {
	var block, reason string
	id, af, err := accountArg(e, "block", "--block full|high|normal|usage --reason R", args, func(fs *flag.FlagSet) {
		fs.StringVar(&block, "block", "full", "full, high (no login at high), normal (no login at normal) or usage (read only)")
		fs.StringVar(&reason, "reason", "", "why, for the account's history")
	})
	if err != nil {
		return err
	}
	return setBlock(ctx, e, af, id, block, reason)
}

func accountUnblock(ctx context.Context, e *env, args []string) error {
	var reason string
	id, af, err := accountArg(e, "unblock", "--reason R", args, func(fs *flag.FlagSet) {
		fs.StringVar(&reason, "reason", "", "why, for the account's history")
	})
	if err != nil {
		return err
	}
	return setBlock(ctx, e, af, id, "", reason)
}

func setBlock(ctx context.Context, e *env, af adminFlags, id, block, reason string) error {
	c, err := af.client(e)
	if err != nil {
		return err
	}
	a, err := c.Block(ctx, id, block, reason)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, a)
	}
	fmt.Fprintf(e.stdout, "%s: block %q\n", a.Address, a.Block)
	return nil
}

func accountClose(ctx context.Context, e *env, args []string) error {
	var req api.CloseRequest
	id, af, err := accountArg(e, "close", "--reason R [--forward-to ADDRESS]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&req.Reason, "reason", "", "why, for the account's history")
		fs.StringVar(&req.ForwardTo, "forward-to", "", "make a forwarding order: for half a year, letters to the account go to this registered-mail address instead (TR PVD-FU §3.1.3.3)")
	})
	if err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	a, err := c.CloseAccount(ctx, id, &req)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, a)
	}
	fmt.Fprintf(e.stdout, "%s: closed; its address is not given to anyone else for 30 years\n", a.Address)
	if req.ForwardTo != "" {
		fmt.Fprintf(e.stdout, "letters to it go to %s for half a year (forwarding order)\n", req.ForwardTo)
	}
	return nil
}

func accountShow(ctx context.Context, e *env, args []string) error {
	id, af, err := accountArg(e, "show", "", args, nil)
	if err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	d, err := c.Account(ctx, id)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, d)
	}
	a := d.Account
	fmt.Fprintf(e.stdout, "%s  %s  %s  status %s  block %q\n", a.ID, a.Address, a.Kind, a.Status, a.Block)
	if q := a.Mailbox; q != nil {
		fmt.Fprintf(e.stdout, "mailbox: %s of %s used (%d %%)\n", account.MiB(q.UsedBytes), account.MiB(q.QuotaBytes), q.PercentUsed)
	}
	intact := "intact"
	if !d.HistoryIntact {
		intact = "BROKEN: the history was changed"
	}
	fmt.Fprintf(e.stdout, "history (%s):\n", intact)
	for _, h := range d.History {
		fmt.Fprintf(e.stdout, "  %3d %s %-26s %-24s %s\n", h.Seq, h.At.Format("2006-01-02 15:04:05"), h.Action, h.Actor, h.Detail)
	}
	return nil
}

func accountList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "account list", "account list [--status S]")
	af := addAdminFlags(fs)
	status := fs.String("status", "", "pending, awaiting_confirmation, verified, active or closed (default all)")
	after := fs.String("after", "", "page after this account id")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	l, err := c.Accounts(ctx, *status, *after, 100)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, l)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tKIND\tSTATUS\tBLOCK")
	for _, a := range l.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Address, a.Kind, a.Status, a.Block)
	}
	tw.Flush()
	if l.Next != "" {
		fmt.Fprintf(e.stdout, "more: --after %s\n", l.Next)
	}
	return nil
}

func runOfficer(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: siegel officer add --name N [--role officer|operator] [--out FILE]")
	}
	fs := newFlags(e, "officer add", "officer add --name N [--role officer|operator] [--out FILE]")
	af := addAdminFlags(fs)
	name := fs.String("name", "", "the officer's name")
	role := fs.String("role", "officer", "officer or operator")
	out := fs.String("out", "", "write the new officer's token to this file (mode 0600) instead of printing it")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	o, err := c.AddOfficer(ctx, *name, *role)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(o.Token+"\n"), 0o600); err != nil {
			return err
		}
		o.Token = ""
	}
	if *af.asJSON {
		return printJSON(e, o)
	}
	fmt.Fprintf(e.stdout, "officer %s (%s, %s)\n", o.ID, o.Name, o.Role)
	if o.Token != "" {
		fmt.Fprintf(e.stdout, "token (shown once): %s\n", o.Token)
	}
	return nil
}
