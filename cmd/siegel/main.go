// Command siegel is the one binary of the Siegel registered-mail provider: the
// server (init, serve, demo), the operator's and officers' tools (account,
// officer), and the user's client of the HTTP API (login, send, inbox, read …).
// Each verb's help sits next to its flags; admin verbs talk to the running
// server's API and never edit its files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// env is what a verb gets from the process: no globals, so tests can run verbs
// in-process side by side.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type verb struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func verbs() map[string]verb {
	return map[string]verb{
		"init":     {"create a provider's data folder", runInit},
		"serve":    {"run a provider", runServe},
		"migrate":  {"bring a provider's database to this version's schema", runMigrate},
		"demo":     {"run a demo provider with seeded accounts and letters", runDemo},
		"account":  {"officers: open, verify, confirm, block, unblock, close, show, list accounts, set a mailbox's quota", runAccount},
		"officer":  {"operators: add a registration officer", runOfficer},
		"queue":    {"operators: list the queued work (confirmations, deadlines) and retry a job", runQueue},
		"login":    {"log in and save the session", runLogin},
		"logout":   {"end the saved session", runLogout},
		"step-up":  {"raise the saved session to high with a TOTP code", runStepUp},
		"totp":     {"enrol a TOTP second factor (totp enroll, totp confirm CODE), or print a code (totp code SECRET)", runTOTP},
		"send":     {"send a registered letter", runSend},
		"inbox":    {"list a folder (inbox by default)", runInbox},
		"search":   {"search the mailbox by words, sender, recipient, subject, file number, days, option, state", runSearch},
		"quota":    {"how much of your mailbox's storage is used; a full mailbox cannot send", runQuota},
		"read":     {"open a letter", runRead},
		"delete":   {"delete a letter (to the trash, then for good)", runDelete},
		"restore":  {"move a letter from the trash back", runRestore},
		"move":     {"file a letter in one of your folders (move ID FOLDER), or back to inbox or sent", runMove},
		"copy":     {"file a second copy of a letter in one of your folders (copy ID FOLDER)", runCopy},
		"folders":  {"your own folders: folders list, create NAME, rename ID NAME, delete ID", runFolders},
		"reply":    {"answer a letter, in its thread and with its file number", runReply},
		"forward":  {"send a letter on as a new registered letter, with its attachments", runForward},
		"contacts": {"your address book: contacts list, add, edit, remove", runContacts},

		"forwarding": {"your automatic forwarding: forwarding (show), set ADDRESS [--exclude-personal], off", runForwarding},

		"evidence": {"list a letter's signed evidence; --out DIR saves the files and confirmation messages", runEvidence},
		"verify":   {"check a confirmation message, an evidence file, a letter's integrity or an account archive, offline", runVerify},
		"export":   {"save a letter (.eml), a folder (mbox) or the whole account with its evidence (zip)", runExport},

		"authority": {"accreditation authority: init, issue, accredit, revoke, sign the trust list, serve it", runAuthority},
		"bench":     {"load a running federation (siegel demo) and report letters per second end to end", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	vs := verbs()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout, vs)
		return 0
	}
	v, ok := vs[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "siegel: unknown verb %q\n\n", args[0])
		usage(e.stderr, vs)
		return 2
	}
	if err := v.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(e.stderr, "siegel "+args[0]+": "+err.Error())
		var ce *client.Error
		if errors.As(err, &ce) && ce.Status >= 500 {
			return 3
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, vs map[string]verb) {
	fmt.Fprintln(w, "siegel: legally binding registered e-mail\n\nUsage: siegel VERB [flags]\n\nVerbs:")
	names := make([]string, 0, len(vs))
	width := 0
	for n := range vs {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, vs[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'siegel VERB -h' for a verb's flags. Start with: siegel demo")
}

// newFlags makes a verb's flag set; errors go to the caller, help to stdout.
func newFlags(e *env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: siegel %s\n\nFlags:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
