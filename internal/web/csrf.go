package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

type csrfKey struct{}

// csrf gives every browser a random secret in a cookie and requires it in
// the csrf field of every form posted, or for a script's JSON request in
// the X-CSRF-Token header: a page of another site can neither read it nor,
// with SameSite=Strict, send the cookie along. The form's body is bounded
// before it is read.
func (s *Server) csrf(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
			token = c.Value
		} else {
			var b [32]byte
			rand.Read(b[:])
			token = base64.RawURLEncoding.EncodeToString(b[:])
			http.SetCookie(w, s.cookie(csrfCookie, token, 0))
		}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, token))
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody())
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(8 << 20)
			// The request is a copy (WithContext above), whose spooled
			// files net/http does not know to remove.
			defer func() {
				if r.MultipartForm != nil {
					r.MultipartForm.RemoveAll()
				}
			}()
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "err.too_large")
			return
		}
		got := r.PostFormValue("csrf")
		if got == "" {
			// A script's JSON request (passkey.js) carries the token in a
			// header: a page of another site can set none without CORS,
			// which this site does not allow, and knows no token anyway.
			got = r.Header.Get(csrfHeader)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			// An old tab, or a form from elsewhere: nothing happens, and
			// the user starts again from the page (a composed letter is
			// kept in the browser, see compose.js).
			s.fail(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// csrfHeader carries the CSRF token of a request that is no form.
const csrfHeader = "X-CSRF-Token"

// csrfToken is the request's CSRF token, for its forms.
func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// maxBody bounds a form: a letter's text and attachments, base64 and form
// overhead included.
func (s *Server) maxBody() int64 {
	m := s.MaxMessageBytes
	if m <= 0 {
		m = 20 << 20
	}
	return m*4/3 + 1<<20
}
