package web

import (
	"fmt"
	"net/http"
	"strings"
)

// Languages the pages speak; the first is the default.
var languages = [...]string{"de", "en"}

// text is one message in German and English.
type text struct{ de, en string }

// catalog is every message, by key.
type catalog map[string]text

// newCatalog gathers each part's messages. A key defined twice is a
// programming error.
func newCatalog() catalog {
	c := catalog{}
	for _, part := range []map[string]text{commonMessages(), mailMessages(),
		composeMessages(), registerMessages(), officerMessages(), settingsMessages(), passkeyMessages(), exportMessages(), contactsMessages(),
		foldersMessages(), quotaMessages(), forwardingMessages(), searchMessages()} {
		for k, v := range part {
			if _, dup := c[k]; dup {
				panic("web: message " + k + " defined twice")
			}
			c[k] = v
		}
	}
	return c
}

// t is key in lang, formatted with args; the key itself when missing, so
// that a missing text shows, and a test finds it.
func (c catalog) t(lang, key string, args ...any) string {
	m, ok := c[key]
	if !ok {
		return key
	}
	s := m.de
	if lang == "en" {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether key is a message.
func (c catalog) has(key string) bool { _, ok := c[key]; return ok }

// langOf is the request's language: the language cookie, else the first
// of Accept-Language's languages that the pages speak, else German.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range languages {
			if c.Value == l {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		for _, l := range languages {
			if base == l {
				return l
			}
		}
	}
	return languages[0]
}
