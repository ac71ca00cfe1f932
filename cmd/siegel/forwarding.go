package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/siegel-mail/siegel/internal/api"
)

const forwardingUsage = "usage: siegel forwarding [--json] | forwarding set ADDRESS [--exclude-personal] [--json] | forwarding off"

// runForwarding shows, sets or ends the holder's automatic forwarding (TR
// PVD-FU §3.1.3.2; DMG §5(11)): every letter stored in the inbox stays
// there and a copy goes to another registered-mail address. Setting it
// needs a session at high (siegel step-up); showing and ending it do not.
func runForwarding(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "set" && args[0] != "off" {
		return forwardingShow(ctx, e, args)
	}
	switch args[0] {
	case "set":
		return forwardingSet(ctx, e, args[1:])
	default:
		return forwardingOff(ctx, e, args[1:])
	}
}

func forwardingShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forwarding", "forwarding [--json]")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the setting as JSON")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return errors.New(forwardingUsage)
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	f, err := c.Forwarding(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, f)
	}
	printForwarding(e, f)
	return nil
}

func printForwarding(e *env, f *api.Forwarding) {
	if !f.Enabled {
		fmt.Fprintln(e.stdout, "No automatic forwarding. Set one with: siegel forwarding set ADDRESS [--exclude-personal]")
		return
	}
	fmt.Fprintf(e.stdout, "Letters to you are kept and forwarded to %s.\n", f.Target)
	if f.ExcludePersonal {
		fmt.Fprintln(e.stdout, "Personal letters are not forwarded: the address gets a notice of their arrival instead.")
	} else {
		fmt.Fprintln(e.stdout, "Personal letters are forwarded as personal letters.")
	}
	fmt.Fprintln(e.stdout, "Letters with pickup confirmation are never forwarded: the address gets a notice instead.")
}

func forwardingSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forwarding set", "forwarding set ADDRESS [--exclude-personal] [--json] (needs a session at high: siegel step-up)")
	sess := sessionFlag(fs)
	exclude := fs.Bool("exclude-personal", false, "do not forward personal letters; the address gets a notice of their arrival instead")
	asJSON := fs.Bool("json", false, "print the setting as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: siegel forwarding set ADDRESS [--exclude-personal] [--json]")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	f, err := c.SetForwarding(ctx, &api.ForwardingRequest{Target: pos[0], ExcludePersonal: *exclude})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, f)
	}
	printForwarding(e, f)
	return nil
}

func forwardingOff(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forwarding off", "forwarding off")
	sess := sessionFlag(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return errors.New("usage: siegel forwarding off")
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	if err := c.RemoveForwarding(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Automatic forwarding is off.")
	return nil
}
