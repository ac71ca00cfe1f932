package pki

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
)

// FederationPort is the TCP port of SMTP between providers: implicit TLS,
// mutual authentication (TR BInfra-IO §2, Table 1). It is the convention for
// a provider's SMTP endpoint, not a rule: tests and one-machine federations
// use other ports.
const FederationPort = 1465

// Limits of the endpoints in the registry and the trust list.
const (
	maxHostName = 253  // RFC 1035 §2.3.4, in text form
	maxLabel    = 63   // RFC 1035 §2.3.4
	maxAPIURL   = 2048 // what browsers and proxies pass without trouble
)

// CheckSMTPEndpoint checks the SMTP endpoint of a provider, host:port of its
// inbound federation listener, and returns its canonical form, which the
// trust list carries: a DNS name in lower case or an IP literal in its
// shortest form (IPv6 in brackets), and a port from 1 to 65535 without
// leading zeros. Problems name the field "smtp".
func CheckSMTPEndpoint(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", problem.Field("smtp", "syntax", "%q is not HOST:PORT (an IPv6 address goes in brackets, [::1]:%d)", s, FederationPort)
	}
	if port, err = checkPort(port); err != nil {
		return "", problem.Field("smtp", "port", "%q: %v", s, err)
	}
	h, err := canonicalHost(host)
	if err != nil {
		return "", problem.Field("smtp", "host", "%q: %v", s, err)
	}
	return net.JoinHostPort(h, port), nil
}

// CheckAPIEndpoint checks the API endpoint of a provider, the https URL its
// API is reached at, and returns its canonical form: scheme and host in lower
// case, the port only when given, the path as given. Anything a relying party
// could read differently is refused: other schemes, a user name or password,
// a query or a fragment. Problems name the field "api".
func CheckAPIEndpoint(s string) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		return "", problem.Field("api", "syntax", "%q: "+format, append([]any{s}, args...)...)
	}
	if len(s) > maxAPIURL {
		return "", problem.Field("api", "too_long", "longer than %d characters", maxAPIURL)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return bad("not a URL")
	case u.Scheme != "https" || u.Opaque != "" || !strings.HasPrefix(strings.ToLower(s), "https://"):
		return bad("not an https:// URL")
	case u.User != nil:
		return bad("a user name or password does not belong in the URL")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(s, "?"):
		return bad("a query does not belong in the URL")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return bad("a fragment does not belong in the URL")
	case u.Host == "":
		return bad("no host")
	}
	host, err := canonicalHost(u.Hostname())
	if err != nil {
		return bad("%v", err)
	}
	hostport := host
	if strings.HasSuffix(u.Host, ":") {
		return bad("the port after the colon is missing")
	}
	if p := u.Port(); p != "" {
		if p, err = checkPort(p); err != nil {
			return bad("%v", err)
		}
		hostport = net.JoinHostPort(host, p)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return "https://" + hostport + u.EscapedPath(), nil
}

// checkPort checks a decimal TCP port, 1 to 65535, written without sign or
// leading zeros, so that one port has one spelling in the list.
func checkPort(p string) (string, error) {
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 || p != strconv.FormatUint(n, 10) {
		return "", errors.New("the port must be a number from 1 to 65535")
	}
	return p, nil
}

// canonicalHost checks a host: an IP literal (no zone), returned in its
// shortest form, or a DNS name of letters, digits and hyphens (RFC 1123 §2.1),
// returned in lower case. Unlike a provider's domain, a host may be a single
// label, such as localhost.
func canonicalHost(h string) (string, error) {
	if h == "" {
		return "", errors.New("the host is empty")
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return "", errors.New("an IPv6 zone does not belong in an endpoint")
		}
		return a.Unmap().String(), nil
	}
	h = strings.ToLower(h)
	if len(h) > maxHostName {
		return "", errors.New("the host name is longer than 253 characters")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > maxLabel {
			return "", errors.New("the host is neither an IP address nor a DNS name (empty or overlong label)")
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "", errors.New("the host is neither an IP address nor a DNS name (only a-z, 0-9, hyphens and dots)")
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", errors.New("the host is neither an IP address nor a DNS name (a label starts or ends with a hyphen)")
		}
	}
	// RFC 3696 §2: a top-level label is never all digits, so 1.2.3.999 is
	// a broken address, not a name.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", errors.New("the host is neither an IP address nor a DNS name (it ends in a number)")
	}
	return h, nil
}

// checkEndpoints checks a trust list entry's endpoints: both empty (the
// provider's certificates are issued, its endpoints not yet recorded) or
// both in their canonical form, as Accredit writes them.
func checkEndpoints(smtp, api string) error {
	if smtp == "" && api == "" {
		return nil
	}
	if smtp == "" || api == "" {
		return errors.New("smtp and api: give both or neither")
	}
	for _, e := range []struct {
		field, v string
		check    func(string) (string, error)
	}{{"smtp", smtp, CheckSMTPEndpoint}, {"api", api, CheckAPIEndpoint}} {
		c, err := e.check(e.v)
		if err != nil {
			return err
		}
		if c != e.v {
			return problem.Field(e.field, "syntax", "%q is not in its canonical form %q", e.v, c)
		}
	}
	return nil
}
