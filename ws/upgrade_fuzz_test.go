package ws

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// rfcToken is a token of RFC 9110 section 5.6.2.
var rfcToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// asciiFold is the reference for the Origin's host against the Host:
// both lower-cased in ASCII alone (a byte A-Z set to a-z, every other
// byte kept), then compared whole; strings.EqualFold would fold the
// Kelvin sign into k.
func asciiFold(a, b string) bool {
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c | 0x20
			}
		}
		return string(b)
	}
	return lower(a) == lower(b)
}

// FuzzUpgradeHeaders gives an upgrade request any Connection, Upgrade,
// Sec-WebSocket-Version, Sec-WebSocket-Protocol (two fields), Origin and
// Host, and a method. checkHandshake answers with a status of its own
// (400, 405 with Allow, 426 with Upgrade) and a one-line reason, or
// passes only a GET that asks for version 13 once; subprotocol picks the
// first offered entry that is an RFC 9110 token; checkOrigin passes an
// Origin only as the package documentation says, comparing hosts in
// ASCII as gorilla does.
func FuzzUpgradeHeaders(f *testing.F) {
	f.Add("Upgrade", "websocket", "13", "chat, superchat", "", "https://echo.example:8443", "echo.example:8443", "GET", "")
	f.Add("keep-alive, Upgrade", "WebSocket", " 13 ", "", "v2.chat", "https://evil.example", "echo.example:8443", "GET", "")
	f.Add("upgrade", "websocket", "8", "a b, c", "d", "null", "echo.example", "POST", "*")
	f.Add("upgrade", "websocket", "13, 8", "", "", "https://ECHO.example", "echo.example", "HEAD", "https://a.example")
	f.Add("close", "h2c", "", "\"q\"", "", "https://\u212a.example", "k.example", "GET", "")
	f.Fuzz(func(t *testing.T, connection, upgrade, version, proto1, proto2, origin, host, method, allowed string) {
		if !rfcToken.MatchString(method) {
			return // net/http reads a method as a token or not at all
		}
		r := &http.Request{Method: method, Header: http.Header{}, Host: host, ProtoMajor: 1, ProtoMinor: 1}
		for k, v := range map[string]string{"Connection": connection, "Upgrade": upgrade, "Sec-Websocket-Version": version, "Origin": origin} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		for _, p := range []string{proto1, proto2} {
			if p != "" {
				r.Header.Add("Sec-Websocket-Protocol", p)
			}
		}

		h := http.Header{}
		status, err := checkHandshake(r, h)
		switch status {
		case 0:
			if err != nil {
				t.Fatalf("status 0 with error %v", err)
			}
			if asksUpgrade(r) && (method != http.MethodGet || strings.TrimSpace(version) != "13") {
				t.Fatalf("upgrade passed with method %q and version %q", method, version)
			}
		case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUpgradeRequired:
			if err == nil || !strings.HasPrefix(err.Error(), "ws: ") || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("status %d with reason %v", status, err)
			}
			if status == http.StatusMethodNotAllowed && h.Get("Allow") == "" {
				t.Fatalf("405 without Allow")
			}
			if status == http.StatusUpgradeRequired && h.Get("Upgrade") != "websocket" {
				t.Fatalf("426 without Upgrade: websocket")
			}
		default:
			t.Fatalf("status %d (%v)", status, err)
		}

		got := subprotocol(r)
		var want string
		for _, field := range r.Header.Values("Sec-Websocket-Protocol") {
			for p := range strings.SplitSeq(field, ",") {
				if p = strings.Trim(p, " \t"); want == "" && rfcToken.MatchString(p) {
					want = p
				}
			}
		}
		if got != want {
			t.Fatalf("subprotocol of %q, %q = %q, want %q", proto1, proto2, got, want)
		}

		allowedList := strings.Split(allowed, ",")
		if allowed == "" {
			allowedList = nil
		}
		s := &Server{AllowedOrigins: allowedList}
		pass := origin == "" || slices.Contains(allowedList, "*") || slices.Contains(allowedList, origin)
		if u, err := url.Parse(origin); !pass && err == nil && u.Host != "" {
			pass = asciiFold(u.Host, host)
		}
		if s.checkOrigin(r) != pass {
			t.Fatalf("checkOrigin(Origin %q, Host %q, allowed %q) = %v, want %v", origin, host, allowedList, !pass, pass)
		}
	})
}
