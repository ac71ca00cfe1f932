package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// The helpers the mail and compose pages share.

// formatCursor and parseCursor carry a listing's position in a link: the
// API's opaque form, base64 of "unixmicro:id".
func formatCursor(c *store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Arrived.UnixMicro(), 10) + ":" + c.ID))
}

func parseCursor(v string) *store.Cursor {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	ts, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return nil
	}
	return &store.Cursor{Arrived: time.UnixMicro(n).UTC(), ID: id}
}

// noticeOf is what a redirect after an action says happened (?done=…):
// the notice's message key, from this list only, so that a link cannot
// put words on the page.
func noticeOf(r *http.Request) string {
	switch d := r.URL.Query().Get("done"); d {
	case "sent", "trashed", "deleted", "restored":
		return "mail.done." + d
	case "moved", "copied": // folders.go
		return "folders.done." + d
	}
	return ""
}

// recipientField finds the address a recipient problem is about:
// Submit names it by list and index ("cc[1]").
var recipientField = regexp.MustCompile(`^(to|cc|bcc)\[(\d+)\]`)

// explain puts a service's refusal on the page in this part's words: the
// text of the first of keys that is a message, formatted with args, else
// problemOf's. The catalog's "err.<code>" texts are shared by every part
// of the site; a code such as "syntax" means different things on
// different pages, so these pages say it themselves.
func (s *Server) explain(p *Page, err error, keys []string, args []any, fields ...string) int {
	pr := problem.As(err)
	if pr == nil {
		return s.problemOf(p, err, fields...)
	}
	if msg, ok := s.textOf(p.Lang, keys, args...); ok {
		c := *pr
		c.Message, c.Code = msg, ""
		return s.problemOf(p, &c, fields...)
	}
	return s.problemOf(p, err, fields...)
}

// textOf is the first of keys that is a message, in lang; args fill it
// when it has a verb for them (not every text names what it is about).
func (s *Server) textOf(lang string, keys []string, args ...any) (string, bool) {
	for _, k := range keys {
		if !s.cat.has(k) {
			continue
		}
		if msg := s.cat.t(lang, k); !strings.Contains(msg, "%") {
			return msg, true
		}
		return s.cat.t(lang, k, args...), true
	}
	return "", false
}

// size is n bytes as people read it.
func size(lang string, n int) string {
	var s string
	switch {
	case n < 1000:
		return strconv.Itoa(n) + " B"
	case n < 1000*1000:
		s = strconv.FormatFloat(float64(n)/1000, 'f', 0, 64) + " kB"
	default:
		s = strconv.FormatFloat(float64(n)/(1000*1000), 'f', 1, 64) + " MB"
	}
	if lang == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// mib is a byte limit in MiB, as the service's rules name it.
func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64)
}

// identityKey is the message that says who a sender is: every reader of
// registered mail learns whether a person, an organisation or an
// authority wrote, verified by which provider, and that a pseudonym is
// one (DMG §3(2), §5(2); TR ACM-FU §2.1.1).
func identityKey(id mailbox.Identity) (key string, arg string) {
	switch {
	case id.System:
		return "mail.id.system", id.Provider
	case id.Pseudonym:
		return "mail.id.pseudonym", id.Provider
	case !id.Local:
		return "mail.id.remote", id.Provider
	case id.Kind == account.Authority:
		return "mail.id.authority", id.Provider
	case id.Kind == account.Organisation:
		return "mail.id.organisation", id.Provider
	}
	return "mail.id.person", id.Provider
}

// safeFilename is a name a browser saves an attachment under: the base
// name without control characters, quotes or path separators, at most
// 100 characters, "attachment-N" when nothing is left. The sender chose
// it; it must not choose where the file goes or break the header.
func safeFilename(name string, n int) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffd:
			return -1
		case strings.ContainsRune(`"*:<>?|%;`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	if name == "" {
		return fmt.Sprintf("attachment-%d", n+1)
	}
	return name
}
