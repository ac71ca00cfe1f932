package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
)

const foldersUsage = "usage: siegel folders list | create NAME | rename ID NAME | delete ID"

// runFolders keeps the holder's own folders (TR PVD-FU §3.1.3.7); the
// system folders (inbox, sent, confirmations, trash) cannot be changed.
func runFolders(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New(foldersUsage)
	}
	sub, args := args[0], args[1:]
	want := map[string]int{"list": 0, "create": 1, "rename": 2, "delete": 1}
	n, ok := want[sub]
	if !ok {
		return errors.New(foldersUsage)
	}
	fs := newFlags(e, "folders "+sub, strings.TrimPrefix(foldersUsage, "usage: siegel "))
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != n {
		return errors.New(foldersUsage)
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	var f *api.Folder
	switch sub {
	case "list":
		return foldersList(ctx, e, c, *asJSON)
	case "create":
		f, err = c.CreateFolder(ctx, pos[0])
	case "rename":
		f, err = c.RenameFolder(ctx, pos[0], pos[1])
	case "delete":
		if err := c.DeleteFolder(ctx, pos[0]); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, map[string]string{"deleted": pos[0]})
		}
		fmt.Fprintf(e.stdout, "deleted folder %s\n", pos[0])
		return nil
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, f)
	}
	fmt.Fprintf(e.stdout, "%sd folder %q (%s); list it with: siegel inbox --folder %s\n", sub, f.Name, f.ID, f.Folder)
	return nil
}

func foldersList(ctx context.Context, e *env, c *client.Client, asJSON bool) error {
	l, err := c.Folders(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e, l.Folders)
	}
	if len(l.Folders) == 0 {
		fmt.Fprintln(e.stdout, "You have no folders of your own. Make one with: siegel folders create NAME")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFOLDER\tLETTERS\tNAME")
	for _, f := range l.Folders {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", f.ID, f.Folder, f.Letters, f.Name)
	}
	return tw.Flush()
}

// runMove files a letter in one of the holder's folders, or back.
func runMove(ctx context.Context, e *env, args []string) error {
	return fileLetter(ctx, e, args, "move",
		"usage: siegel move ID FOLDER (FOLDER: the name or f:ID of one of your folders, or inbox or sent to take the letter back)",
		func(c *client.Client, id, f string) (*api.LetterSummary, error) { return c.Move(ctx, id, f) },
		func(l *api.LetterSummary) string { return "moved to " + l.Folder })
}

// runCopy files a second copy of a letter in one of the holder's folders.
func runCopy(ctx context.Context, e *env, args []string) error {
	return fileLetter(ctx, e, args, "copy",
		"usage: siegel copy ID FOLDER (FOLDER: the name or f:ID of one of your folders)",
		func(c *client.Client, id, f string) (*api.LetterSummary, error) { return c.Copy(ctx, id, f) },
		func(l *api.LetterSummary) string { return "copied to " + l.Folder + " as " + l.ID })
}

// fileLetter runs verb (move or copy) on the letter and folder of args:
// the folder by name or as the API names it.
func fileLetter(ctx context.Context, e *env, args []string, verb, usage string,
	op func(c *client.Client, id, folder string) (*api.LetterSummary, error), done func(*api.LetterSummary) string) error {
	fs := newFlags(e, verb, verb+" ID FOLDER")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the letter as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New(usage)
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	f, err := resolveFolder(ctx, c, pos[1])
	if err != nil {
		return err
	}
	l, err := op(c, pos[0], f)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, l)
	}
	fmt.Fprintln(e.stdout, done(l))
	return nil
}

// resolveFolder turns what a user typed into a folder of the API: a
// system folder's name and "f:ID" as they are, else the name of one of
// their folders.
func resolveFolder(ctx context.Context, c *client.Client, s string) (string, error) {
	switch s {
	case "inbox", "sent", "trash", "confirmations":
		return s, nil
	}
	if strings.HasPrefix(s, "f:") {
		return s, nil
	}
	l, err := c.Folders(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range l.Folders {
		if f.Name == s {
			return f.Folder, nil
		}
	}
	return "", fmt.Errorf("no folder named %q: see siegel folders list", s)
}
