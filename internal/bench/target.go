package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/demo"
)

// Target is the federation under load: the sending provider A, where the
// senders log in, the receiving provider B, and the accounts to use.
type Target struct {
	A, B       Provider
	Senders    []Account // at A, each with password and TOTP secret
	Recipients []string  // addresses at B
}

// Provider is one provider of the target.
type Provider struct {
	Domain string
	APIURL string
	CACert string // PEM file of its TLS certificate; "" for the system roots
}

// Account is a sender's credentials.
type Account struct {
	Address, Password, TOTPSecret string
}

// ParseDemo reads a target from the content of siegel demo's demo.json:
// the first provider is A, the second B; A's accounts send, B's receive.
// Only accounts with a TOTP secret send, since senders log in at high
// (a sender at normal is held to 100 letters a day, TR PVD-FU §3.1.1.1).
func ParseDemo(b []byte) (*Target, error) {
	var f demo.File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("demo.json: %w", err)
	}
	if len(f.Providers) < 2 {
		return nil, fmt.Errorf("demo.json: %d providers, need two (A sends, B receives)", len(f.Providers))
	}
	t := &Target{}
	for i, p := range []*Provider{&t.A, &t.B} {
		e := f.Providers[i]
		*p = Provider{Domain: e.Domain, APIURL: e.APIURL, CACert: e.CACert}
		if err := checkURL(e.APIURL); err != nil {
			return nil, fmt.Errorf("demo.json: provider %s: %w", e.Domain, err)
		}
	}
	for _, a := range f.Accounts {
		switch {
		case strings.EqualFold(a.Provider, t.A.Domain) && a.TOTPSecret != "" && a.Password != "":
			t.Senders = append(t.Senders, Account{Address: a.Address, Password: a.Password, TOTPSecret: a.TOTPSecret})
		case strings.EqualFold(a.Provider, t.B.Domain) && a.Address != "":
			t.Recipients = append(t.Recipients, a.Address)
		}
	}
	if len(t.Senders) == 0 || len(t.Recipients) == 0 {
		return nil, fmt.Errorf("demo.json: %d senders with a TOTP secret at %s, %d recipients at %s; need one of each",
			len(t.Senders), t.A.Domain, len(t.Recipients), t.B.Domain)
	}
	return t, nil
}

// ParseSender reads --sender's ADDRESS,PASSWORD,TOTP-SECRET. The password
// is the middle part, so a password may hold commas; an address and a
// base32 secret never do.
func ParseSender(v string) (Account, error) {
	addr, rest, ok1 := strings.Cut(v, ",")
	i := strings.LastIndexByte(rest, ',')
	if !ok1 || i < 0 {
		return Account{}, errors.New("sender: want ADDRESS,PASSWORD,TOTP-SECRET")
	}
	a := Account{Address: strings.TrimSpace(addr), Password: rest[:i], TOTPSecret: strings.TrimSpace(rest[i+1:])}
	if !strings.Contains(a.Address, "@") || a.Password == "" || a.TOTPSecret == "" {
		return Account{}, errors.New("sender: want ADDRESS,PASSWORD,TOTP-SECRET, none empty")
	}
	return a, nil
}

// checkURL accepts an https or http URL with a host and a port.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("api url %q: want https://HOST:PORT", s)
	}
	_, err = portOf(s)
	return err
}

// portOf is the TCP port of an API URL, the default one of its scheme when
// it names none.
func portOf(s string) (int, error) {
	u, err := url.Parse(s)
	if err != nil {
		return 0, err
	}
	p := u.Port()
	if p == "" {
		if u.Scheme == "http" {
			return 80, nil
		}
		return 443, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("api url %q: bad port", s)
	}
	return n, nil
}

// subjectMark is how a letter of this run names itself in its subject, so
// that its confirmations, whose subjects repeat it after a prefix
// (evidence/confirmation_text.go), can be matched to it.
func subjectMark(run string) string { return "siegel bench " + run + " #" }

// parseSeq finds the letter number in a confirmation's subject; ok is
// false for a letter of another run or none.
func parseSeq(subject, run string) (int, bool) {
	_, rest, ok := strings.Cut(subject, subjectMark(run))
	if !ok {
		return 0, false
	}
	end := 0
	for end < len(rest) && end < 10 && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil || (end < len(rest) && rest[end] != ' ') {
		return 0, false
	}
	return n, true
}
