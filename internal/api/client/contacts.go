package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/siegel-mail/siegel/internal/api"
)

// Contacts lists a page of the address book (TR PVD-FU §3.1.3.5); cursor
// is "" for the first page, limit 0 the server's default.
func (c *Client) Contacts(ctx context.Context, limit int, cursor string) (*api.ContactList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	path := "/api/v1/contacts"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out api.ContactList
	return &out, c.do(ctx, "GET", path, nil, &out)
}

// AllContacts lists the whole address book, page by page.
func (c *Client) AllContacts(ctx context.Context) ([]api.Contact, error) {
	var all []api.Contact
	cursor := ""
	for {
		page, err := c.Contacts(ctx, 0, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Contacts...)
		if page.Next == "" {
			return all, nil
		}
		cursor = page.Next
	}
}

// AddContact adds a contact.
func (c *Client) AddContact(ctx context.Context, req *api.ContactRequest) (*api.Contact, error) {
	var out api.Contact
	return &out, c.do(ctx, "POST", "/api/v1/contacts", req, &out)
}

// Contact returns one contact.
func (c *Client) Contact(ctx context.Context, id string) (*api.Contact, error) {
	var out api.Contact
	return &out, c.do(ctx, "GET", "/api/v1/contacts/"+url.PathEscape(id), nil, &out)
}

// UpdateContact replaces a contact's address, name and note.
func (c *Client) UpdateContact(ctx context.Context, id string, req *api.ContactRequest) (*api.Contact, error) {
	var out api.Contact
	return &out, c.do(ctx, "PUT", "/api/v1/contacts/"+url.PathEscape(id), req, &out)
}

// RemoveContact removes a contact.
func (c *Client) RemoveContact(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api/v1/contacts/"+url.PathEscape(id), nil, nil)
}
