// Package client is the Go client of Siegel's HTTP API, used by the CLI and the
// tests: every integration test goes through it, so it is exercised as a user's
// program would use it.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
)

// Client talks to one provider's API.
type Client struct {
	BaseURL string // e.g. https://127.0.0.1:8443
	Token   string // a session or officer token
	HTTP    *http.Client
}

// Error is an API error response.
type Error struct {
	Status int
	api.ErrorDetail
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

// New returns a client for baseURL trusting the system roots and the given
// extra PEM certificates.
func New(baseURL string, extraRoots ...[]byte) (*Client, error) {
	if _, err := url.Parse(baseURL); err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, pem := range extraRoots {
		pool.AppendCertsFromPEM(pem)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}, nil
}

// TrustDir returns the PEM certificates in dir (*.pem), for New.
func TrustDir(dir string) [][]byte {
	files, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	var out [][]byte
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// With returns a copy of c using token.
func (c *Client) With(token string) *Client {
	d := *c
	d.Token = token
	return &d
}

// do sends a JSON request and decodes a JSON response into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}

// send performs a request and turns error statuses into *Error.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode}
	var eb api.ErrorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(b, &eb) == nil && eb.Error.Code != "" {
		e.ErrorDetail = eb.Error
	} else {
		e.Code, e.Message = "http_"+strconv.Itoa(resp.StatusCode), resp.Status
	}
	return nil, e
}

// Propose asks for free addresses for an application.
func (c *Client) Propose(ctx context.Context, req *api.ApplicationRequest) (*api.ProposalsResponse, error) {
	var out api.ProposalsResponse
	return &out, c.do(ctx, "POST", "/api/v1/applications/proposals", req, &out)
}

// Apply submits an application.
func (c *Client) Apply(ctx context.Context, req *api.ApplicationRequest) (*api.ApplicationResponse, error) {
	var out api.ApplicationResponse
	return &out, c.do(ctx, "POST", "/api/v1/applications", req, &out)
}

// Application looks up an application.
func (c *Client) Application(ctx context.Context, id string) (*api.ApplicationResponse, error) {
	var out api.ApplicationResponse
	return &out, c.do(ctx, "GET", "/api/v1/applications/"+url.PathEscape(id), nil, &out)
}

// Login opens a session; with a code it is at high.
func (c *Client) Login(ctx context.Context, address, password, code string) (*api.Session, error) {
	var out api.Session
	return &out, c.do(ctx, "POST", "/api/v1/sessions", api.LoginRequest{Address: address, Password: password, TOTPCode: code}, &out)
}

// Session returns the current session.
func (c *Client) Session(ctx context.Context) (*api.Session, error) {
	var out api.Session
	return &out, c.do(ctx, "GET", "/api/v1/sessions/current", nil, &out)
}

// Logout ends the session.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, "DELETE", "/api/v1/sessions/current", nil, nil)
}

// StepUp raises the session to high.
func (c *Client) StepUp(ctx context.Context, code string) (*api.Session, error) {
	var out api.Session
	return &out, c.do(ctx, "POST", "/api/v1/sessions/current/step-up", api.StepUpRequest{TOTPCode: code}, &out)
}

// EnrollTOTP starts a TOTP enrolment.
func (c *Client) EnrollTOTP(ctx context.Context) (*api.TOTPEnrollment, error) {
	var out api.TOTPEnrollment
	return &out, c.do(ctx, "POST", "/api/v1/account/totp", nil, &out)
}

// ConfirmTOTP enables the enrolled factor.
func (c *Client) ConfirmTOTP(ctx context.Context, code string) (*api.Account, error) {
	var out api.Account
	return &out, c.do(ctx, "POST", "/api/v1/account/totp/confirm", api.TOTPConfirmRequest{TOTPCode: code}, &out)
}

// Send submits a letter.
func (c *Client) Send(ctx context.Context, req *api.SendRequest) (*api.SendResponse, error) {
	var out api.SendResponse
	return &out, c.do(ctx, "POST", "/api/v1/letters", req, &out)
}

// List lists a folder; cursor is "" for the first page.
func (c *Client) List(ctx context.Context, folder string, limit int, cursor string) (*api.LetterList, error) {
	q := url.Values{"folder": {folder}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out api.LetterList
	return &out, c.do(ctx, "GET", "/api/v1/letters?"+q.Encode(), nil, &out)
}

// Letter opens a letter.
func (c *Client) Letter(ctx context.Context, id string) (*api.Letter, error) {
	var out api.Letter
	return &out, c.do(ctx, "GET", "/api/v1/letters/"+url.PathEscape(id), nil, &out)
}

// Raw returns a letter as an RFC 5322 message.
func (c *Client) Raw(ctx context.Context, id string) ([]byte, error) {
	return c.bytes(ctx, "/api/v1/letters/"+url.PathEscape(id)+"/raw")
}

// Evidence lists a letter's evidence that the caller may have.
func (c *Client) Evidence(ctx context.Context, id string) (*api.EvidenceList, error) {
	var out api.EvidenceList
	return &out, c.do(ctx, "GET", "/api/v1/letters/"+url.PathEscape(id)+"/evidence", nil, &out)
}

// EvidenceFile downloads an evidence file (DER CMS).
func (c *Client) EvidenceFile(ctx context.Context, id string) ([]byte, error) {
	return c.bytes(ctx, "/api/v1/evidence/"+url.PathEscape(id))
}

// Queue lists queued jobs (operators); kind "" for all.
func (c *Client) Queue(ctx context.Context, kind string, failing bool, limit int, cursor string) (*api.QueueList, error) {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if failing {
		q.Set("failing", "true")
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out api.QueueList
	return &out, c.do(ctx, "GET", "/api/v1/admin/queue?"+q.Encode(), nil, &out)
}

// RetryJob makes a queued job due now (operators).
func (c *Client) RetryJob(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/api/v1/admin/queue/"+url.PathEscape(id)+"/retry", nil, nil)
}

// Attachment downloads an attachment.
func (c *Client) Attachment(ctx context.Context, id string, index int) ([]byte, error) {
	return c.bytes(ctx, "/api/v1/letters/"+url.PathEscape(id)+"/attachments/"+strconv.Itoa(index))
}

func (c *Client) bytes(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.send(ctx, "GET", path, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Delete deletes a letter (trash first, then for good).
func (c *Client) Delete(ctx context.Context, id string) (*api.Deleted, error) {
	var out api.Deleted
	return &out, c.do(ctx, "DELETE", "/api/v1/letters/"+url.PathEscape(id), nil, &out)
}

// Restore moves a letter out of the trash.
func (c *Client) Restore(ctx context.Context, id string) (*api.LetterSummary, error) {
	var out api.LetterSummary
	return &out, c.do(ctx, "POST", "/api/v1/letters/"+url.PathEscape(id)+"/restore", nil, &out)
}

// Accounts lists accounts (officers).
func (c *Client) Accounts(ctx context.Context, status, after string, limit int) (*api.AccountList, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out api.AccountList
	return &out, c.do(ctx, "GET", "/api/v1/admin/accounts?"+q.Encode(), nil, &out)
}

// Account shows an account with its history (officers).
func (c *Client) Account(ctx context.Context, id string) (*api.AccountDetail, error) {
	var out api.AccountDetail
	return &out, c.do(ctx, "GET", "/api/v1/admin/accounts/"+url.PathEscape(id), nil, &out)
}

// Verify records an identity verification (officers).
func (c *Client) Verify(ctx context.Context, id string, req *api.VerifyRequest) (*api.VerifyResponse, error) {
	var out api.VerifyResponse
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(id)+"/verify", req, &out)
}

// Confirm is a second officer's confirmation (officers).
func (c *Client) Confirm(ctx context.Context, id string) (*api.VerifyResponse, error) {
	var out api.VerifyResponse
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(id)+"/confirm", nil, &out)
}

// Block sets or lifts a block (officers).
func (c *Client) Block(ctx context.Context, id, block, reason string) (*api.AdminAccount, error) {
	var out api.AdminAccount
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(id)+"/block", api.BlockRequest{Block: block, Reason: reason}, &out)
}

// Close closes an account (officers).
func (c *Client) Close(ctx context.Context, id, reason string) (*api.AdminAccount, error) {
	var out api.AdminAccount
	return &out, c.do(ctx, "POST", "/api/v1/admin/accounts/"+url.PathEscape(id)+"/close", api.CloseRequest{Reason: reason}, &out)
}

// AddOfficer creates an officer (operators).
func (c *Client) AddOfficer(ctx context.Context, name, role string) (*api.Officer, error) {
	var out api.Officer
	return &out, c.do(ctx, "POST", "/api/v1/admin/officers", api.OfficerRequest{Name: name, Role: role}, &out)
}
