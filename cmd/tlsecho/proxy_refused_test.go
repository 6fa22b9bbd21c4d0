package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// proxyRefusedTests are connections the PROXY stage refuses, on each
// listener that has it: what the client sends first, and the reason the
// log line must give.
var proxyRefusedTests = []struct {
	name     string
	mode     string // TLSECHO_PROXY_PROTOCOL
	trusted  string // TLSECHO_PROXY_TRUSTED
	listener string
	header   bool   // a valid v2 header first
	send     string // then these bytes
	why      string
}{
	// Refused before a byte is read.
	{"require, untrusted peer, raw TLS", "require", "10.0.0.0/8", "tls", true, helloBytes, "peer not trusted to send PROXY protocol headers"},
	{"require, untrusted peer, HTTPS", "require", "10.0.0.0/8", "https", true, helloBytes, "peer not trusted to send PROXY protocol headers"},
	{"require, untrusted peer, HTTP", "require", "10.0.0.0/8", "http", true, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "peer not trusted to send PROXY protocol headers"},
	// Refused after reading the start, with more than the stage reads
	// left in the socket.
	{"optional, untrusted peer, raw TLS", "optional", "10.0.0.0/8", "tls", true, helloBytes, "peer not trusted to send PROXY protocol headers"},
	{"require, no header, raw TLS", "require", "127.0.0.1", "tls", false, helloBytes, "no PROXY protocol header"},
	{"require, bad header, HTTP", "require", "127.0.0.1", "http", false, "PROXY TCP4 nonsense\r\nGET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("x", 1000) + "\r\n\r\n", "malformed PROXY protocol header"},
}

// helloBytes stand for a ClientHello: a handshake record of 1 KiB, as
// long as a browser's.
var helloBytes = "\x16\x03\x01\x04\x00" + strings.Repeat("h", 1024)

// TestProxyRefusedClearly: a connection the PROXY stage refuses (an
// untrusted peer, no header, a malformed one) ends with a
// FIN, not a reset, on every listener that has the stage, and leaves one
// log line that says what was refused, from which peer (named once) and
// why, in its err attribute.
func TestProxyRefusedClearly(t *testing.T) {
	t.Parallel()
	for _, tt := range proxyRefusedTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"PROXY_PROTOCOL": tt.mode, "PROXY_TRUSTED": tt.trusted, "HTTP_ADDR": "127.0.0.1:0"})
			addr := map[string]string{"tls": ta.TLSAddr, "https": ta.HTTPSAddr, "http": ta.HTTPAddr}[tt.listener]
			c, err := net.DialTimeout("tcp", addr, ioWait)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var first []byte
			if tt.header {
				src, _ := net.ResolveTCPAddr("tcp", "203.0.113.5:4000")
				b, _ := proxyproto.HeaderProxyFromAddrs(2, src, c.RemoteAddr()).Format()
				first = b
			}
			// One write, as a balancer sends the header with the first
			// bytes of its client: they are there, unread, when the
			// server refuses.
			if _, err := c.Write(append(first, tt.send...)); err != nil {
				t.Fatal(err)
			}
			peer := c.LocalAddr().String()
			c.SetReadDeadline(time.Now().Add(ioWait))
			got, err := io.ReadAll(c)
			switch {
			case errors.Is(err, syscall.ECONNRESET):
				t.Errorf("the refused client saw a reset (after %q), want a FIN", got)
			case err != nil:
				t.Errorf("reading from a refused connection: %v, want a FIN", err)
			case len(got) > 0:
				t.Errorf("the refused client was sent %q", got)
			}
			line := waitLogged(t, ta, peer)
			if !strings.Contains(line, `msg="PROXY protocol: connection refused"`) || !strings.Contains(line, "listener="+tt.listener) || !strings.Contains(line, tt.why) {
				t.Errorf("the line naming %s does not say the connection was refused by the PROXY stage on %s because %q:\n%s", peer, tt.listener, tt.why, line)
			}
			// The reason is the err attribute, as in every other record.
			if _, after, ok := strings.Cut(line, " err="); !ok || !strings.Contains(after, tt.why) || strings.Contains(line, " why=") {
				t.Errorf("the line does not give %q as its err:\n%s", tt.why, line)
			}
			if n := strings.Count(line, peer); n != 1 {
				t.Errorf("the line names the peer %d times:\n%s", n, line)
			}
		})
	}
}
