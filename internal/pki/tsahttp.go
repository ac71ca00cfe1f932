package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/siegel-mail/siegel/internal/cms"
)

// Media types of RFC 3161 §3.4 (time-stamp protocol via HTTP).
const (
	TimestampQueryType = "application/timestamp-query"
	TimestampReplyType = "application/timestamp-reply"
)

// Size limits. A request is a digest and a few small fields; a reply is a
// token with a certificate chain.
const (
	maxTimestampQuery = 16 << 10
	maxTimestampReply = 1 << 20
)

// Handler serves the TSA over HTTP (RFC 3161 §3.4): POST an
// application/timestamp-query, get an application/timestamp-reply. A request
// the TSA cannot grant is answered with status rejection and the failure
// reason of RFC 3161 §2.4.2 (badAlg for anything but SHA-256,
// unacceptedPolicy for a policy other than OIDTSAPolicy, unacceptedExtension
// for any extension, badDataFormat for the rest), in HTTP 200, as the
// protocol expects. The token carries the TSA certificate when the request
// asks for it (certReq), and not otherwise, as §2.4.1 requires.
func (t *TSA) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST an "+TimestampQueryType, http.StatusMethodNotAllowed)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != TimestampQueryType {
			http.Error(w, "Content-Type must be "+TimestampQueryType, http.StatusUnsupportedMediaType)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTimestampQuery))
		if err != nil {
			http.Error(w, "request too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		reply := t.answer(r.Context(), body)
		w.Header().Set("Content-Type", TimestampReplyType)
		w.Write(reply)
	})
}

// answer is the TimeStampResp for one DER TimeStampReq.
func (t *TSA) answer(ctx context.Context, query []byte) []byte {
	reject := func(fi timestamp.FailureInfo) []byte {
		b, err := timestamp.CreateErrorResponse(timestamp.Rejection, fi)
		if err != nil {
			return nil // a fixed small structure; cannot fail
		}
		return b
	}
	req, err := timestamp.ParseRequest(query)
	switch {
	case err != nil:
		var pe timestamp.ParseError
		if errors.As(err, &pe) && strings.Contains(string(pe), "unknown hash") {
			return reject(timestamp.BadAlgorithm)
		}
		return reject(timestamp.BadDataFormat)
	case req.HashAlgorithm != crypto.SHA256 || len(req.HashedMessage) != sha256.Size:
		return reject(timestamp.BadAlgorithm)
	case req.TSAPolicyOID != nil && !req.TSAPolicyOID.Equal(OIDTSAPolicy()):
		return reject(timestamp.UnacceptedPolicy)
	case len(req.Extensions) > 0:
		return reject(timestamp.UnacceptedExtension)
	}
	token, err := t.stamp(ctx, req.HashedMessage, req.Nonce, !req.Certificates)
	if err != nil {
		return reject(timestamp.SystemFailure)
	}
	resp, err := asn1.Marshal(struct {
		Status struct{ Status int }
		Token  asn1.RawValue
	}{Token: asn1.RawValue{FullBytes: token}}) // status 0: granted
	if err != nil {
		return reject(timestamp.SystemFailure)
	}
	return resp
}

// HTTPTimestamper gets tokens from an RFC 3161 server over HTTP: the Handler
// of another process, or an external TSA. It asks for the TSA certificate and
// sends a random nonce, and checks that the token answers this request: it
// verifies, covers the digest and repeats the nonce (RFC 3161 §2.4.2). With
// Roots set it also checks the TSA's chain, as VerifyTimestampToken does.
type HTTPTimestamper struct {
	URL    string
	Client *http.Client   // nil: a client with a 30-second timeout
	Roots  *x509.CertPool // nil: the chain is left to the caller
	Rand   io.Reader      // nonces; nil: crypto/rand
}

var _ Timestamper = (*HTTPTimestamper)(nil)

// Timestamp gets a token over a SHA-256 digest.
func (h *HTTPTimestamper) Timestamp(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("digest: want a SHA-256 digest of %d bytes, got %d", sha256.Size, len(digest))
	}
	rnd := h.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	nonce, err := newSerial(rnd)
	if err != nil {
		return nil, err
	}
	query, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}).Marshal()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(query))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", TimestampQueryType)
	req.Header.Set("Accept", TimestampReplyType)
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("time stamp: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("time stamp: %s answered %s", h.URL, resp.Status)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != TimestampReplyType {
		return nil, fmt.Errorf("time stamp: %s answered with Content-Type %q, not %s", h.URL, resp.Header.Get("Content-Type"), TimestampReplyType)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTimestampReply+1))
	if err != nil {
		return nil, fmt.Errorf("time stamp: %w", err)
	}
	if len(body) > maxTimestampReply {
		return nil, fmt.Errorf("time stamp: %s answered more than %d bytes", h.URL, maxTimestampReply)
	}
	ts, err := timestamp.ParseResponse(body) // status, failure info, the token
	if err != nil {
		return nil, fmt.Errorf("time stamp: %s: %w", h.URL, err)
	}
	token := ts.RawToken
	tok, err := cms.ParseToken(token)
	if err == nil {
		err = tok.Verify(digest)
	}
	if err == nil && h.Roots != nil {
		err = tok.VerifyTSA(h.Roots)
	}
	if err != nil {
		return nil, fmt.Errorf("time stamp: %w", err)
	}
	if n := tok.Info.Nonce; n == nil || n.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("time stamp: %w: the token does not repeat this request's nonce (a replayed answer?)", ErrContent)
	}
	return token, nil
}
