// Package echourl reads the URL of an echo to reach, as tlsecho's
// commands take it: tls://host:port for the raw TLS echo, wss://host/path
// and ws://host/path for the WebSocket one. The reading is strict: what a
// scheme cannot carry (a path for raw TLS, user information anywhere) is
// refused rather than dropped without a word, and the common slips (an
// IPv6 address without brackets, a bare "%" before an IPv6 zone) are
// refused with the URL as it should be written.
package echourl

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Target is a URL Parse took.
type Target struct {
	// URL is the URL as parsed, its query escaped for a request line
	// (a fault spec typed with spaces reaches the server as typed).
	URL *url.URL
	// Host is the name or IP address, without brackets.
	Host string
	// Addr is the host and port to dial: the URL's port, or the
	// scheme's default (443 for wss, 80 for ws; tls has none).
	Addr string
}

// form is the shape of the URLs of scheme, for the error that names
// the schemes a command takes.
func form(scheme string) string {
	if scheme == "tls" {
		return "tls://host:port"
	}
	return scheme + "://host:port/path"
}

// Parse reads raw as the URL of an echo with one of schemes, each of
// "tls", "wss" and "ws". An error is one line that quotes raw and says
// what to write.
func Parse(raw string, schemes ...string) (Target, error) {
	u, err := url.Parse(raw)
	if fixed, ok := zoneEscaped(raw); err != nil && ok {
		if _, err := Parse(fixed, schemes...); err != nil {
			// The URL mended would be refused in turn: say what is
			// wrong without sending the user to the next refusal.
			return Target{}, fmt.Errorf("URL %q: an IPv6 zone's \"%%\" is written \"%%25\" in a URL (RFC 6874)", raw)
		}
		return Target{}, fmt.Errorf("URL %q: an IPv6 zone's \"%%\" is written \"%%25\" in a URL (RFC 6874): %s", raw, fixed)
	}
	if err != nil {
		return Target{}, fmt.Errorf("URL %q: %v", raw, err)
	}
	if bracketed, ok := bracketIPv6Host(u); ok {
		if _, err := Parse(bracketed, schemes...); err != nil {
			return Target{}, fmt.Errorf("URL %q: an IPv6 address goes in brackets", raw)
		}
		return Target{}, fmt.Errorf("URL %q: an IPv6 address goes in brackets: %s", raw, bracketed)
	}
	// The query goes into the request line as it is kept: a space there
	// (a spaced fault spec, "?fault=delay: 100ms") would split the line
	// and get 400, so what a request target may not hold is escaped.
	u.RawQuery = escapeQuery(u.RawQuery)
	host := u.Hostname()
	switch {
	case !slices.Contains(schemes, u.Scheme):
		names := make([]string, len(schemes))
		for i, s := range schemes {
			names[i] = form(s)
		}
		want := names[len(names)-1]
		if len(names) > 1 {
			want = strings.Join(names[:len(names)-1], ", ") + " or " + want
		}
		return Target{}, fmt.Errorf("URL %q: want %s", raw, want)
	case host == "":
		return Target{}, fmt.Errorf("URL %q has no host", raw)
	case u.User != nil:
		return Target{}, fmt.Errorf("URL %q: user information is not supported", raw)
	case u.Scheme == "tls" && ((u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""):
		// Raw TLS has nowhere to send them; taking them silently would
		// hide a URL meant for wss://.
		return Target{}, fmt.Errorf("URL %q: a tls:// URL has no path, query or fragment", raw)
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "tls":
			// The host as a URL writes it (a zone's "%" as "%25"), and
			// without the colon of an empty port ("tls://a:").
			// An example refused in turn ("tls://]:8433") is left out.
			example := url.URL{Scheme: u.Scheme, Host: strings.TrimSuffix(u.Host, ":") + ":8433"}
			if _, err := Parse(example.String(), schemes...); err != nil {
				return Target{}, fmt.Errorf("URL %q needs a port", raw)
			}
			return Target{}, fmt.Errorf("URL %q needs a port, such as %s", raw, example.String())
		case "ws":
			port = "80"
		default:
			port = "443"
		}
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return Target{}, fmt.Errorf("URL %q: port %q is not a number from 1 to 65535", raw, port)
	}
	addr := net.JoinHostPort(host, port)
	_, ipErr := netip.ParseAddr(host)
	if h, _, err := net.SplitHostPort(addr); err != nil || h != host || (strings.Contains(host, ":") && ipErr != nil) {
		// url.Parse takes a host such as "]0", or ":0" from
		// tls://:0:1, which no dial can use and which would fail later
		// in a resolver's words.
		return Target{}, fmt.Errorf("URL %q: host %q is not a name or an address", raw, host)
	}
	return Target{URL: u, Host: host, Addr: addr}, nil
}
