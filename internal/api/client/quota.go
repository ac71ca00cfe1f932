package client

import (
	"context"
	"net/url"

	"github.com/siegel-mail/siegel/internal/api"
)

// Quota returns what the session's mailbox holds against its quota.
func (c *Client) Quota(ctx context.Context) (*api.MailboxQuota, error) {
	var out api.MailboxQuota
	return &out, c.do(ctx, "GET", "/api/v1/account/quota", nil, &out)
}

// SetQuota gives the account (by id or address) a quota of mib MiB, or
// with 0 the provider's default (officers).
func (c *Client) SetQuota(ctx context.Context, idOrAddress string, mib int64) (*api.AdminAccount, error) {
	var out api.AdminAccount
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(idOrAddress)+"/quota", api.QuotaRequest{MiB: mib}, &out)
}
