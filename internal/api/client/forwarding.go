package client

import (
	"context"
	"net/url"

	"github.com/siegel-mail/siegel/internal/api"
)

// Forwarding returns the automatic forwarding (TR PVD-FU §3.1.3.2);
// Enabled is false when none is set.
func (c *Client) Forwarding(ctx context.Context) (*api.Forwarding, error) {
	var out api.Forwarding
	return &out, c.do(ctx, "GET", "/api/v1/account/forwarding", nil, &out)
}

// SetForwarding sets or changes the automatic forwarding; it needs a
// session at high.
func (c *Client) SetForwarding(ctx context.Context, req *api.ForwardingRequest) (*api.Forwarding, error) {
	var out api.Forwarding
	return &out, c.do(ctx, "PUT", "/api/v1/account/forwarding", req, &out)
}

// RemoveForwarding ends the automatic forwarding.
func (c *Client) RemoveForwarding(ctx context.Context) error {
	return c.do(ctx, "DELETE", "/api/v1/account/forwarding", nil, nil)
}

// CloseAccount closes an account (officers) with the whole request: a
// forwarding order too, when req.ForwardTo is set (TR PVD-FU §3.1.3.3).
func (c *Client) CloseAccount(ctx context.Context, id string, req *api.CloseRequest) (*api.AdminAccount, error) {
	var out api.AdminAccount
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(id)+"/close", req, &out)
}
