package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/siegel-mail/siegel/internal/api"
)

const contactsUsage = "usage: siegel contacts list | add --address A [--name N] [--note T] | edit ID [--address A] [--name N] [--note T] | remove ID"

// runContacts keeps the holder's address book (TR PVD-FU §3.1.3.5), the
// contacts the web mailbox offers while composing.
func runContacts(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New(contactsUsage)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "list":
		return contactsList(ctx, e, args)
	case "add":
		return contactsAdd(ctx, e, args)
	case "edit":
		return contactsEdit(ctx, e, args)
	case "remove":
		return contactsRemove(ctx, e, args)
	}
	return errors.New(contactsUsage)
}

func contactsList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts list", "contacts list [--json]")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the contacts as JSON")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return errors.New("usage: siegel contacts list [--json]")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	all, err := c.AllContacts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if all == nil {
			all = []api.Contact{}
		}
		return printJSON(e, all)
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "Your address book is empty. Add a contact with: siegel contacts add --address A --name N")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tNAME\tNOTE")
	for _, x := range all {
		note, _, _ := strings.Cut(x.Note, "\n")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.ID, x.Address, x.Name, note)
	}
	return tw.Flush()
}

// contactFlags are the fields of add and edit.
func contactFlags(fs *flag.FlagSet) (addr, name, note *string) {
	return fs.String("address", "", "the contact's registered-mail address"),
		fs.String("name", "", "how you name the contact (at most 200 characters)"),
		fs.String("note", "", "a note (at most 1,000 characters)")
}

func contactsAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts add", "contacts add --address A [--name N] [--note T]")
	sess := sessionFlag(fs)
	addr, name, note := contactFlags(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) != 0 || *addr == "" {
		return errors.New("usage: siegel contacts add --address A [--name N] [--note T]")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	x, err := c.AddContact(ctx, &api.ContactRequest{Address: *addr, Name: *name, Note: *note})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s (%s)\n", x.Address, x.ID)
	return nil
}

// contactsEdit changes the fields given and keeps the others.
func contactsEdit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts edit", "contacts edit ID [--address A] [--name N] [--note T] (an empty value clears name or note)")
	sess := sessionFlag(fs)
	addr, name, note := contactFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(pos) != 1 || !(set["address"] || set["name"] || set["note"]) {
		return errors.New("usage: siegel contacts edit ID [--address A] [--name N] [--note T] (the ID from siegel contacts list; at least one field)")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	old, err := c.Contact(ctx, pos[0])
	if err != nil {
		return err
	}
	req := api.ContactRequest{Address: old.Address, Name: old.Name, Note: old.Note}
	if set["address"] {
		req.Address = *addr
	}
	if set["name"] {
		req.Name = *name
	}
	if set["note"] {
		req.Note = *note
	}
	x, err := c.UpdateContact(ctx, old.ID, &req)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "changed %s (%s)\n", x.Address, x.ID)
	return nil
}

func contactsRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts remove", "contacts remove ID")
	sess := sessionFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel contacts remove ID (the ID from siegel contacts list)")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	if err := c.RemoveContact(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %s\n", pos[0])
	return nil
}
