package client

import (
	"context"
	"net/url"

	"github.com/siegel-mail/siegel/internal/api"
)

// Folders lists the holder's own folders (TR PVD-FU §3.1.3.7).
func (c *Client) Folders(ctx context.Context) (*api.FolderList, error) {
	var out api.FolderList
	return &out, c.do(ctx, "GET", "/api/v1/folders", nil, &out)
}

// CreateFolder makes a folder.
func (c *Client) CreateFolder(ctx context.Context, name string) (*api.Folder, error) {
	var out api.Folder
	return &out, c.do(ctx, "POST", "/api/v1/folders", &api.FolderRequest{Name: name}, &out)
}

// RenameFolder names a folder anew.
func (c *Client) RenameFolder(ctx context.Context, id, name string) (*api.Folder, error) {
	var out api.Folder
	return &out, c.do(ctx, "PATCH", "/api/v1/folders/"+url.PathEscape(id), &api.FolderRequest{Name: name}, &out)
}

// DeleteFolder deletes an empty folder.
func (c *Client) DeleteFolder(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api/v1/folders/"+url.PathEscape(id), nil, nil)
}

// Move files a letter in folder: "f:" and a folder's id, or inbox or sent
// to take it back.
func (c *Client) Move(ctx context.Context, id, folder string) (*api.LetterSummary, error) {
	var out api.LetterSummary
	return &out, c.do(ctx, "POST", "/api/v1/letters/"+url.PathEscape(id)+"/move", &api.MoveRequest{Folder: folder}, &out)
}

// Copy files a second copy of a letter in folder ("f:" and a folder's id)
// and returns the new copy.
func (c *Client) Copy(ctx context.Context, id, folder string) (*api.LetterSummary, error) {
	var out api.LetterSummary
	return &out, c.do(ctx, "POST", "/api/v1/letters/"+url.PathEscape(id)+"/copy", &api.CopyRequest{Folder: folder}, &out)
}
