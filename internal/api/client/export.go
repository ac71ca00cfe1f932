package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/siegel-mail/siegel/internal/api"
)

// ExportResult is what the provider says at the end of an export (the
// Siegel-Export-… trailers).
type ExportResult struct {
	Letters  int // letters written
	Evidence int // evidence files written (an account's archive)
	Withheld int // personal letters left out, below high
	Bytes    int64
}

// ExportLetter writes one letter, as stored (RFC 5322, a .eml file), to w.
func (c *Client) ExportLetter(ctx context.Context, id string, w io.Writer) (int64, error) {
	resp, err := c.stream(ctx, "/api/v1/letters/"+url.PathEscape(id)+"/raw")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

// ExportFolder writes a folder as an mbox to w, as the provider streams
// it; an export that broke off is an error, whatever w got by then.
func (c *Client) ExportFolder(ctx context.Context, folder string, w io.Writer) (*ExportResult, error) {
	return c.export(ctx, "/api/v1/folders/"+url.PathEscape(folder)+"/export", w)
}

// ExportAccount writes the whole account as a zip archive to w.
func (c *Client) ExportAccount(ctx context.Context, w io.Writer) (*ExportResult, error) {
	return c.export(ctx, "/api/v1/account/export", w)
}

func (c *Client) export(ctx context.Context, path string, w io.Writer) (*ExportResult, error) {
	resp, err := c.stream(ctx, path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: after %d bytes: %w", path, n, err)
	}
	// The trailers come after the body.
	t := resp.Trailer
	if st := t.Get(api.TrailerExportStatus); st != "complete" {
		return nil, fmt.Errorf("GET %s: the export broke off after %d bytes (status %q): the file is incomplete; try again", path, n, st)
	}
	num := func(k string) int { v, _ := strconv.Atoi(t.Get(k)); return v }
	return &ExportResult{Letters: num(api.TrailerExportLetters), Evidence: num(api.TrailerExportEvidence),
		Withheld: num(api.TrailerExportWithheld), Bytes: n}, nil
}

// stream sends a GET whose answer may take longer than the client's
// timeout to arrive: an export of a large mailbox. The context bounds it.
func (c *Client) stream(ctx context.Context, path string) (*http.Response, error) {
	d := *c
	if c.HTTP != nil {
		h := *c.HTTP
		h.Timeout = 0
		d.HTTP = &h
	}
	return d.send(ctx, "GET", path, nil)
}
