package ws

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// upgradeWith sends an upgrade request to /ws with the given request line
// version and extra header lines, over TLS for a TLS server, and returns the answer.
func (ts *testServer) upgradeWith(tb testing.TB, proto string, lines ...string) *http.Response {
	tb.Helper()
	return ts.upgradeBy(tb, http.MethodGet, proto, lines...)
}

// upgradeBy is upgradeWith by another method; ts.query follows /ws.
func (ts *testServer) upgradeBy(tb testing.TB, method, proto string, lines ...string) *http.Response {
	tb.Helper()
	return ts.request(tb, method, proto, append([]string{"Upgrade: websocket", "Connection: Upgrade"}, lines...)...)
}

// request sends a request for /ws with the given method, request line
// version and header lines besides Host, and returns the answer.
func (ts *testServer) request(tb testing.TB, method, proto string, lines ...string) *http.Response {
	tb.Helper()
	conn := ts.dialConn(tb)
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(ioWait))
	req := fmt.Sprintf("%s /ws%s %s\r\nHost: %s\r\n%s\r\n",
		method, ts.query, proto, ts.addr, strings.Join(append(lines, ""), "\r\n"))
	if _, err := io.WriteString(conn, req); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		tb.Fatalf("read the answer: %v", err)
	}
	resp.Body.Close()
	return resp
}

const (
	goodKey     = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
	goodVersion = "Sec-WebSocket-Version: 13"
)

// TestHandshakeRefusals: requests gorilla would upgrade though RFC 6455
// forbids them get 400, and an upgrade to a version other than 13 gets
// 426 (section 4.2.2) naming the protocol to upgrade to; all refusals
// carry Sec-WebSocket-Version: 13 (section 4.4).
func TestHandshakeRefusals(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	tests := []struct {
		name  string
		proto string
		lines []string
		want  int
	}{
		{"HTTP/1.1", "HTTP/1.1", []string{goodKey, goodVersion}, http.StatusSwitchingProtocols},
		{"HTTP/1.0 (section 4.2.1)", "HTTP/1.0", []string{goodKey, goodVersion}, http.StatusBadRequest},
		{"two keys (section 11.3.1)", "HTTP/1.1", []string{goodKey, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==", goodVersion}, http.StatusBadRequest},
		{"a version list", "HTTP/1.1", []string{goodKey, "Sec-WebSocket-Version: 8, 13"}, http.StatusBadRequest},
		{"two versions", "HTTP/1.1", []string{goodKey, goodVersion, "Sec-WebSocket-Version: 8"}, http.StatusBadRequest},
		{"version 8 (section 4.2.2)", "HTTP/1.1", []string{goodKey, "Sec-WebSocket-Version: 8"}, http.StatusUpgradeRequired},
		{"version 7", "HTTP/1.1", []string{goodKey, "Sec-WebSocket-Version: 7"}, http.StatusUpgradeRequired},
		{"version 14", "HTTP/1.1", []string{goodKey, "Sec-WebSocket-Version: 14"}, http.StatusUpgradeRequired},
		{"no version (a draft client)", "HTTP/1.1", []string{goodKey}, http.StatusUpgradeRequired},
		{"no version, no key", "HTTP/1.1", nil, http.StatusUpgradeRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := ts.upgradeWith(t, tt.proto, tt.lines...)
			if resp.StatusCode != tt.want {
				t.Errorf("answered %s, want %d", resp.Status, tt.want)
			}
			if tt.want != http.StatusSwitchingProtocols && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Errorf("Sec-WebSocket-Version %q, want 13", resp.Header.Get("Sec-WebSocket-Version"))
			}
			if tt.want == http.StatusSwitchingProtocols && resp.Header.Get("Sec-WebSocket-Version") != "" {
				t.Errorf("101 with Sec-WebSocket-Version %q, want none", resp.Header.Get("Sec-WebSocket-Version"))
			}
			// RFC 9110 section 15.5.22: a 426 names the protocol to
			// upgrade to, with "upgrade" in Connection (section 7.8).
			if tt.want == http.StatusUpgradeRequired &&
				(resp.Header.Get("Upgrade") != "websocket" || !strings.EqualFold(resp.Header.Get("Connection"), "upgrade")) {
				t.Errorf("426 with Upgrade %q, Connection %q; want websocket, Upgrade",
					resp.Header.Get("Upgrade"), resp.Header.Get("Connection"))
			}
		})
	}
}

// TestUpgradeFieldLists: Upgrade and Connection are lists (RFC 9110
// section 7.8), of protocols that may carry a version ("foo/1") and of
// tokens; RFC 6455 section 4.2.1 asks only that they hold "websocket" and
// "Upgrade", in any case and at any place. gorilla gave up on an Upgrade
// field at an element with a version, and answered 400.
func TestUpgradeFieldLists(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	tests := []struct {
		upgrade, connection []string
		want                int
	}{
		{[]string{"foo/1, websocket"}, []string{"Upgrade"}, http.StatusSwitchingProtocols},
		{[]string{"HTTP/2.0, WebSocket"}, []string{"keep-alive, Upgrade"}, http.StatusSwitchingProtocols},
		{[]string{"websocket, foo/1"}, []string{"upgrade"}, http.StatusSwitchingProtocols},
		{[]string{"foo/1", "websocket"}, []string{"keep-alive", "UPGRADE"}, http.StatusSwitchingProtocols},
		{[]string{"foo/1, websocket/13"}, []string{"Upgrade"}, http.StatusBadRequest},
		{[]string{"websocket"}, []string{"keep-alive"}, http.StatusBadRequest},
		{[]string{"foo/1"}, []string{"Upgrade"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.upgrade, "|")+" + "+strings.Join(tt.connection, "|"), func(t *testing.T) {
			t.Parallel()
			lines := []string{goodKey, goodVersion}
			for _, v := range tt.upgrade {
				lines = append(lines, "Upgrade: "+v)
			}
			for _, v := range tt.connection {
				lines = append(lines, "Connection: "+v)
			}
			resp := ts.request(t, http.MethodGet, "HTTP/1.1", lines...)
			if resp.StatusCode != tt.want {
				t.Errorf("answered %s, want %d", resp.Status, tt.want)
			}
			if tt.want == http.StatusSwitchingProtocols && resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
				t.Errorf("101 with Sec-WebSocket-Accept %q", resp.Header.Get("Sec-WebSocket-Accept"))
			}
		})
	}
}

// TestWrongVersionNotUpgrade: a request that is no upgrade gets 400 from
// gorilla whatever its Sec-WebSocket-Version says; 426 is for upgrades.
func TestWrongVersionNotUpgrade(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ts.clientTLS.Clone()}, Timeout: ioWait}
	defer client.CloseIdleConnections()
	for _, version := range []string{"", "8"} {
		req, _ := http.NewRequest(http.MethodGet, "https://"+ts.addr+"/ws", nil)
		if version != "" {
			req.Header.Set("Sec-WebSocket-Version", version)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Upgrade") != "" {
			t.Errorf("version %q without an upgrade: %s, Upgrade %q; want 400 and no Upgrade",
				version, resp.Status, resp.Header.Get("Upgrade"))
		}
	}
}

// TestUpgradeMethod: an upgrade by a method other than GET or HEAD gets
// 405 with the Allow field RFC 9110 section 15.5.6 requires (RFC 6455
// section 4.2.1, item 1: the handshake is a GET), naming GET and HEAD as
// tlsecho's router does for POST /ws; one by HEAD, a method /ws serves,
// gets 400, a bad handshake, and no Allow field to contradict.
func TestUpgradeMethod(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp := ts.upgradeBy(t, method, "HTTP/1.1", goodKey, goodVersion, "Content-Length: 0")
		if allow := resp.Header.Values("Allow"); resp.StatusCode != http.StatusMethodNotAllowed || len(allow) != 1 || allow[0] != "GET, HEAD" {
			t.Errorf("%s: %s, Allow %q; want 405, Allow \"GET, HEAD\"", method, resp.Status, allow)
		}
	}
	resp := ts.upgradeBy(t, http.MethodHead, "HTTP/1.1", goodKey, goodVersion)
	if allow := resp.Header.Values("Allow"); resp.StatusCode != http.StatusBadRequest || len(allow) != 0 {
		t.Errorf("HEAD: %s, Allow %q; want 400 without Allow", resp.Status, allow)
	}
}

// TestUpgradeWithBody: an upgrade request with a body gets 400 (the
// handshake has none, RFC 6455 section 4.2.1), not a connection closed
// without an answer, nor a body taken for frames.
func TestUpgradeWithBody(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, body := range []string{
			"Content-Length: 5\r\n\r\nhello",
			"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
		} {
			resp := ts.upgradeWith(t, "HTTP/1.1", goodKey, goodVersion, body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%q: answered %s, want 400", body, resp.Status)
			}
		}
	})
}

// TestSubprotocolAnswered: the answer is the first offered subprotocol
// that is a token (section 4.2.2); none when none is. An offer may take
// several header fields, which count as one list (section 11.3.4).
func TestSubprotocolAnswered(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	for _, tt := range []struct {
		offer []string // one Sec-WebSocket-Protocol field each
		want  string
	}{
		{[]string{"chat, superchat"}, "chat"},
		{[]string{", chat"}, "chat"},
		{[]string{"a b, chat"}, "chat"},
		{[]string{"a;b"}, ""},
		{[]string{"v1.echo"}, "v1.echo"},
		{[]string{"chat", "superchat"}, "chat"},
		{[]string{"a b", "chat"}, "chat"},
		{[]string{"", "chat"}, "chat"},
		{[]string{"a;b", "x y, superchat"}, "superchat"},
		// No-break space and NEL are no whitespace of HTTP's (RFC 9110
		// section 5.6.3): "chat" was answered to an offer of neither.
		{[]string{"chat\u00a0"}, ""},
		{[]string{"\u0085chat, superchat"}, "superchat"},
	} {
		lines := []string{goodKey, goodVersion}
		for _, f := range tt.offer {
			lines = append(lines, "Sec-WebSocket-Protocol: "+f)
		}
		resp := ts.upgradeWith(t, "HTTP/1.1", lines...)
		if got := resp.Header.Values("Sec-WebSocket-Protocol"); resp.StatusCode != http.StatusSwitchingProtocols ||
			len(got) > 1 || resp.Header.Get("Sec-WebSocket-Protocol") != tt.want {
			t.Errorf("offer %q: %s, subprotocol %q; want %q", tt.offer, resp.Status, got, tt.want)
		}
	}
}

// deflateOffers are Sec-WebSocket-Extensions fields and whether the
// server may accept permessage-deflate for them (RFC 7692 sections 5 and
// 7), given what gorilla answers.
var deflateOffers = []struct {
	field  string
	accept bool
}{
	{"permessage-deflate", true},
	{"permessage-deflate; client_max_window_bits", true},
	{"permessage-deflate; client_max_window_bits=10", true},
	{`permessage-deflate; client_max_window_bits="10"`, true},
	{"permessage-deflate; server_no_context_takeover; client_no_context_takeover", true},
	{"PerMessage-Deflate", false}, // gorilla matches the name exactly
	{"x-webkit-deflate-frame, permessage-deflate", true},
	{"permessage-deflate; server_max_window_bits=10, permessage-deflate", true},
	{"permessage-deflate; server_max_window_bits=15", false},
	{"permessage-deflate; server_max_window_bits=8", false},
	{"permessage-deflate; server_max_window_bits", false},
	{"permessage-deflate; client_max_window_bits=7", false},
	{"permessage-deflate; client_max_window_bits=16", false},
	{"permessage-deflate; client_max_window_bits=010", false},
	{"permessage-deflate; client_max_window_bits=abc", false},
	{"permessage-deflate; server_no_context_takeover=1", false},
	{"permessage-deflate; client_no_context_takeover=yes", false},
	{"permessage-deflate; foo", false},
	{"permessage-deflate; x-unknown=1", false},
	{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", false},
	{"permessage-deflate; client_max_window_bits=10; client_max_window_bits=12", false},
	{`permessage-deflate; client_max_window_bits="1 0"`, false},
	{"permessage-deflate; ;", false},
	{"x-webkit-deflate-frame", false},
	{"", false},
}

func TestDeflateNegotiation(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{Compression: true})
	for _, tt := range deflateOffers {
		if got := acceptsDeflate([]string{tt.field}); got != tt.accept {
			t.Errorf("acceptsDeflate(%q) = %v, want %v", tt.field, got, tt.accept)
		}
		resp := ts.upgradeWith(t, "HTTP/1.1", goodKey, goodVersion, "Sec-WebSocket-Extensions: "+tt.field)
		ext := resp.Header.Get("Sec-WebSocket-Extensions")
		if resp.StatusCode != http.StatusSwitchingProtocols || strings.Contains(ext, "permessage-deflate") != tt.accept {
			t.Errorf("offer %q: %s, answered %q; want accepted %v", tt.field, resp.Status, ext, tt.accept)
		}
	}
}

// FuzzParseExtensions checks that any field parses or is refused without
// a panic, and that what parses, written out again, parses the same.
func FuzzParseExtensions(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzParseExtensions.
	f.Fuzz(func(t *testing.T, field string) {
		exts, ok := parseExtensions(field)
		acceptsDeflate([]string{field})
		if !ok {
			return
		}
		var b strings.Builder
		for i, e := range exts {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.name)
			for _, p := range e.params {
				b.WriteString("; " + p.name)
				if p.hasValue {
					b.WriteString("=" + p.value)
				}
			}
		}
		again, ok := parseExtensions(b.String())
		if !ok || fmt.Sprint(again) != fmt.Sprint(exts) {
			t.Fatalf("%q parsed as %v; written out, %q parses as %v, %v", field, exts, b.String(), again, ok)
		}
	})
}

// TestEveryRefusalNamesVersion: the refusals that come before the
// handshake is looked at carry Sec-WebSocket-Version: 13 as the
// handshake's own do (TestHandshakeRefusals): a bad fault spec's 400, a
// status: fault's answer, and the 503 while the server drains.
func TestEveryRefusalNamesVersion(t *testing.T) {
	t.Parallel()
	in, err := fault.New(fault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Faults: in}
	ts := startServer(t, s)
	for _, tt := range []struct {
		name   string
		query  string
		drain  bool
		status int
	}{
		{"bad fault spec", "?fault=delay:2m", false, http.StatusBadRequest},
		{"status fault", "?fault=status:503", false, http.StatusServiceUnavailable},
		{"status fault 429", "?fault=status:429", false, http.StatusTooManyRequests},
		{"draining", "", true, http.StatusServiceUnavailable},
	} {
		if tt.drain {
			// No connection is open: Shutdown only turns new ones away.
			ctx, cancel := context.WithTimeout(context.Background(), ioWait)
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
		ts.query = tt.query
		resp := ts.upgradeWith(t, "HTTP/1.1", goodKey, goodVersion)
		if resp.StatusCode != tt.status || resp.Header.Get("Sec-WebSocket-Version") != "13" {
			t.Errorf("%s: %s, Sec-WebSocket-Version %q; want %d, 13", tt.name, resp.Status, resp.Header.Get("Sec-WebSocket-Version"), tt.status)
		}
	}
}
