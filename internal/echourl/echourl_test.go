package echourl

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// parseTests are URLs, each with the address Parse dials and the URL it
// keeps, or the error it gives ("" for none), for the schemes of the load
// command (tls, wss, ws) and, where they differ, of the client (tls, wss).
var parseTests = []struct {
	name, raw string
	addr, url string
	err       string // for tls, wss and ws
	clientErr string // for tls and wss; "" means err
}{
	{name: "tls", raw: "tls://127.0.0.1:8433", addr: "127.0.0.1:8433", url: "tls://127.0.0.1:8433"},
	{name: "tls, root path", raw: "tls://h:8433/", addr: "h:8433", url: "tls://h:8433/"},
	{name: "scheme in capitals", raw: "TLS://h:8433", addr: "h:8433", url: "tls://h:8433"},
	{name: "wss", raw: "wss://h:8443/ws", addr: "h:8443", url: "wss://h:8443/ws"},
	{name: "wss, default port", raw: "wss://h/ws", addr: "h:443", url: "wss://h/ws"},
	{name: "ws", raw: "ws://[::1]:8080/ws", addr: "[::1]:8080", url: "ws://[::1]:8080/ws", clientErr: `URL "ws://[::1]:8080/ws": want tls://host:port or wss://host:port/path`},
	{name: "ws, default port", raw: "ws://h/ws", addr: "h:80", url: "ws://h/ws", clientErr: `URL "ws://h/ws": want tls://host:port or wss://host:port/path`},
	{name: "zone", raw: "wss://[fe80::1%25lo]:8443/ws", addr: "[fe80::1%lo]:8443", url: "wss://[fe80::1%25lo]:8443/ws"},
	{name: "spaced query", raw: "wss://h:8443/ws?fault=delay: 100ms", addr: "h:8443", url: "wss://h:8443/ws?fault=delay:%20100ms"},
	{name: "other scheme", raw: "https://h:8443/", err: `URL "https://h:8443/": want tls://host:port, wss://host:port/path or ws://host:port/path`,
		clientErr: `URL "https://h:8443/": want tls://host:port or wss://host:port/path`},
	{name: "tls without port", raw: "tls://h", err: `URL "tls://h" needs a port, such as tls://h:8433`},
	{name: "no host", raw: "tls://:8433", err: `URL "tls://:8433" has no host`},
	{name: "user", raw: "wss://u:p@h:8443/ws", err: `URL "wss://u:p@h:8443/ws": user information is not supported`},
	{name: "tls path", raw: "tls://h:8433/ws", err: `URL "tls://h:8433/ws": a tls:// URL has no path, query or fragment`},
	{name: "tls query", raw: "tls://h:8433?x", err: `URL "tls://h:8433?x": a tls:// URL has no path, query or fragment`},
	{name: "tls empty query", raw: "tls://h:8433?", err: `URL "tls://h:8433?": a tls:// URL has no path, query or fragment`},
	{name: "tls fragment", raw: "tls://h:8433#f", err: `URL "tls://h:8433#f": a tls:// URL has no path, query or fragment`},
	{name: "port 0", raw: "tls://h:0", err: `URL "tls://h:0": port "0" is not a number from 1 to 65535`},
	{name: "port too large", raw: "tls://h:65536", err: `URL "tls://h:65536": port "65536" is not a number from 1 to 65535`},
	{name: "IPv6 without brackets", raw: "tls://::1:8433", err: `URL "tls://::1:8433": an IPv6 address goes in brackets: tls://[::1]:8433`},
	{name: "IPv6 without brackets or port", raw: "tls://::1", err: `URL "tls://::1": an IPv6 address goes in brackets: tls://[::1]:8433`},
	{name: "bare zone", raw: "tls://[fe80::1%lo]:8433", err: `URL "tls://[fe80::1%lo]:8433": an IPv6 zone's "%" is written "%25" in a URL (RFC 6874): tls://[fe80::1%25lo]:8433`},
	{name: "empty port", raw: "tls://a:", err: `URL "tls://a:" needs a port, such as tls://a:8433`},
	{name: "zone without port", raw: "tls://[fe80::1%25lo]", err: `URL "tls://[fe80::1%25lo]" needs a port, such as tls://[fe80::1%25lo]:8433`},
	{name: "bare zone without port", raw: "tls://[fe80::1%lo]", err: `URL "tls://[fe80::1%lo]": an IPv6 zone's "%" is written "%25" in a URL (RFC 6874): tls://[fe80::1%25lo]:8433`},
	{name: "no dial's host", raw: "tls://]0:1", err: `URL "tls://]0:1": host "]0" is not a name or an address`},
	{name: "colon in a host that is no address", raw: "tls://:0:1", err: `URL "tls://:0:1": host ":0" is not a name or an address`},
}

// TestParse: what Parse makes of each of parseTests for the load
// command's schemes and for the client's.
func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			for _, schemes := range [][]string{{"tls", "wss", "ws"}, {"tls", "wss"}} {
				wantErr := tt.err
				if len(schemes) == 2 && tt.clientErr != "" {
					wantErr = tt.clientErr
				}
				got, err := Parse(tt.raw, schemes...)
				if wantErr != "" {
					if err == nil || err.Error() != wantErr {
						t.Errorf("Parse(%q, %q) = %v, want %q", tt.raw, schemes, err, wantErr)
					}
					continue
				}
				if err != nil {
					t.Errorf("Parse(%q, %q): %v", tt.raw, schemes, err)
					continue
				}
				if got.Addr != tt.addr || got.URL.String() != tt.url || got.Host != got.URL.Hostname() {
					t.Errorf("Parse(%q, %q) = %q to dial, %q, host %q; want %q, %q", tt.raw, schemes, got.Addr, got.URL, got.Host, tt.addr, tt.url)
				}
			}
		})
	}
}

// urlHint finds the URL a refusal offers instead, after the quoted URL
// refused: written as it should be, or as an example with its port.
var urlHint = regexp.MustCompile(`(?:\(RFC 6874\): |goes in brackets: |such as )(\S+)$`)

// FuzzParse: a URL Parse takes dials the host and port it names (or its
// scheme's default port), with a scheme asked for and no user
// information, and a tls:// URL carries nothing raw TLS cannot send; one
// it refuses gets one line that quotes it, and the URL it offers instead,
// if any, is one Parse takes.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.raw)
	}
	for _, s := range []string{"tls://a:", "tls://[::1]", "tls://é", "tls://::1%lo", "wss://[fe80::1%lo]/ws", "tls://[fe80::1%lo]", "ws://::1/ws?x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := Parse(raw, "tls", "wss", "ws")
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || !strings.Contains(msg, strconv.Quote(raw)) {
				t.Fatalf("error %q spans lines or does not quote the URL", msg)
			}
			if m := urlHint.FindStringSubmatch(msg[len("URL ")+len(strconv.Quote(raw)):]); m != nil {
				if _, err := Parse(m[1], "tls", "wss", "ws"); err != nil {
					t.Fatalf("Parse(%q) = %q, but the URL it offers is refused in turn: %v", raw, msg, err)
				}
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("took %q, which does not parse: %v", raw, err)
		}
		if got.URL.Scheme != "tls" && got.URL.Scheme != "wss" && got.URL.Scheme != "ws" {
			t.Fatalf("took scheme %q", got.URL.Scheme)
		}
		host, port, err := net.SplitHostPort(got.Addr)
		if err != nil || host == "" || host != got.Host || host != u.Hostname() {
			t.Fatalf("%q dials %q (host %q), not the URL's host %q", raw, got.Addr, got.Host, u.Hostname())
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("%q dials port %q", raw, port)
		}
		if want := u.Port(); want != "" && port != want {
			t.Fatalf("%q dials port %q, not the URL's %q", raw, port, want)
		}
		if got.URL.Scheme == "tls" && (u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
			t.Fatalf("tls URL %q taken with a default port, path, query or fragment, which raw TLS cannot use", raw)
		}
		if u.User != nil {
			t.Fatalf("%q taken with user information", raw)
		}
	})
}
