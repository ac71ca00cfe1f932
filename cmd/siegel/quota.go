package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
)

// runQuota shows what the session's mailbox holds against its quota
// (SPEC "Limits").
func runQuota(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "quota", "quota [--json]")
	sess := sessionFlag(fs)
	asJSON := fs.Bool("json", false, "print the usage as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, _, err := sessionClient(e, *sess)
	if err != nil {
		return err
	}
	q, err := c.Quota(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, q)
	}
	fmt.Fprintf(e.stdout, "mailbox: %s of %s used (%d %%), %s free\n", account.MiB(q.UsedBytes),
		account.MiB(q.QuotaBytes), q.PercentUsed, account.MiB(max(q.QuotaBytes-q.UsedBytes, 0)))
	quotaWarning(e, q)
	return nil
}

// quotaWarning tells the holder on stderr when the mailbox is nearly or
// quite full, and what to do; nothing otherwise.
func quotaWarning(e *env, q *api.MailboxQuota) {
	switch {
	case q.Full:
		fmt.Fprintf(e.stderr, "warning: your mailbox is full (%s of %s): you cannot send letters until you free space; "+
			"delete letters (siegel delete ID, twice: to the trash, then for good). Letters to you still arrive.\n",
			account.MiB(q.UsedBytes), account.MiB(q.QuotaBytes))
	case q.Warning:
		fmt.Fprintf(e.stderr, "warning: your mailbox is nearly full (%s of %s, %d %%): once it is full you cannot send letters; "+
			"delete letters you no longer need and empty the trash.\n",
			account.MiB(q.UsedBytes), account.MiB(q.QuotaBytes), q.PercentUsed)
	}
}

// warnQuota asks for the mailbox's usage and warns as quotaWarning does.
// A listing is still printed when the question fails: the warning is a
// courtesy, the letters are what was asked for.
func warnQuota(ctx context.Context, e *env, c *client.Client) {
	if q, err := c.Quota(ctx); err == nil {
		quotaWarning(e, q)
	}
}

// accountQuota gives an account's mailbox a quota of its own (officers).
func accountQuota(ctx context.Context, e *env, args []string) error {
	var mib int64
	id, af, err := accountArg(e, "quota", "--mib N  (ID may be the address; N at least 100, or 0 for the provider's default)", args,
		func(fs *flag.FlagSet) {
			fs.Int64Var(&mib, "mib", -1, "the mailbox's quota in MiB, at least 100; 0 returns it to the provider's default")
		})
	if err != nil {
		return err
	}
	if mib < 0 {
		return fmt.Errorf("--mib: required: the quota in MiB (at least 100), or 0 for the provider's default")
	}
	c, err := af.client(e)
	if err != nil {
		return err
	}
	a, err := c.SetQuota(ctx, id, mib)
	if err != nil {
		return err
	}
	if *af.asJSON {
		return printJSON(e, a)
	}
	if q := a.Mailbox; q != nil {
		fmt.Fprintf(e.stdout, "%s: quota %s, %s used (%d %%)\n", a.Address, account.MiB(q.QuotaBytes),
			account.MiB(q.UsedBytes), q.PercentUsed)
	}
	return nil
}
