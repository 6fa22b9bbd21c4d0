package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/internal/sclient"
)

// renegotiationWords are the raw port's words for a client that asked to
// renegotiate (rawtls's TestRenegotiationRefusedInWords).
const renegotiationWords = "client asked to renegotiate (a ClientHello after the TLS 1.2 handshake), " +
	"which this server does not do: connection ended with an unexpected_message alert"

// pageRenegotiationWords are the page connection's: it sees only that a
// handshake record came (TestHTTPSHandshakeRecordWords).
const pageRenegotiationWords = "client asked to renegotiate, or sent another handshake message after the TLS 1.2 handshake; " +
	"this server takes none: connection ended"

// TestHTTPSRenegotiationLogged: `openssl s_client`'s R command on the
// HTTPS port, after a page request or in a WebSocket, ends the connection
// (crypto/tls cannot renegotiate as a server) and leaves a debug record
// in the raw port's words (the WebSocket's), or beginning with them (the
// page's). net/http used to close the page's connection without a line,
// and the WebSocket's said "*tls.clientHelloMsg".
func TestHTTPSRenegotiationLogged(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	for _, tt := range []struct {
		name    string
		request string // sent once the handshake is done
		answer  string // the start of the line that ends the answer
		msg     string // the record that says why the connection ended
		words   string // and its words
	}{
		{"page", "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", "ok", "connection ended", pageRenegotiationWords},
		{"websocket", "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "Sec-WebSocket-Accept:", "websocket closed", renegotiationWords},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"LOG_FORMAT": "json"})
			ctx, cancel := context.WithTimeout(context.Background(), 3*ioWait)
			defer cancel()
			sc := sclient.Start(t, ctx, bin, "-connect", ta.HTTPSAddr, "-tls1_2", "-legacy_renegotiation")
			// The session's summary ends with this line.
			sc.WaitLine(`"---"`, func(l string) bool { return l == "---" })
			sc.Send(tt.request)
			sc.WaitLine(tt.answer, func(l string) bool { return strings.HasPrefix(l, tt.answer) })
			sc.Send("R\n")
			sc.Wait(nil)
			if !strings.Contains(sc.Stderr.String(), "RENEGOTIATING") {
				t.Fatalf("openssl did not renegotiate\nstderr: %s", sc.Stderr.String())
			}

			waitLogged(t, ta, tt.words)
			var rec map[string]any
			for _, r := range ta.Log.Records(t, tt.msg) {
				if e, _ := r["err"].(string); strings.Contains(e, tt.words) {
					rec = r
				}
			}
			if rec == nil || rec["listener"] != "https" {
				t.Fatalf("no %s record of the https listener in the renegotiation's words:\n%s", tt.msg, ta.Log.String())
			}
			errText, _ := rec["err"].(string)
			// The words alone: the client is the record's peer.
			if rec["level"] != "DEBUG" || errText != tt.words {
				t.Errorf("%s record at %v with err %q\nwant DEBUG with %q", tt.msg, rec["level"], errText, tt.words)
			}
			if n := strings.Count(ta.Log.String(), tt.words); n != 1 {
				t.Errorf("the renegotiation is in %d records, want 1:\n%s", n, ta.Log.String())
			}
		})
	}
}
