//go:build unix

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestClientSendEndsWithServer: with lines of standard input, a server
// that ends the session (close 4001 "bye" on wss://, close_notify on
// tls://) and then reads no more, the connection still open, is reported
// as soon as the client has read that end, with the server's reason: the
// send it stalled was waited out to -timeout (30s here), although nothing
// sent after the server's end could change the outcome.
func TestClientSendEndsWithServer(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", 16<<20) + "\n"
	tlsAddr, wsURL := endingServers(t)
	tests := []struct{ url, want string }{
		{"tls://" + tlsAddr, "closed the connection before the end of input"},
		{wsURL, `closed the WebSocket with 4001 "bye" instead of sending the rest of the echo`},
	}
	for _, tt := range tests {
		t.Run(tt.url[:3], func(t *testing.T) {
			t.Parallel()
			type result struct {
				code   int
				stderr string
			}
			done := make(chan result, 1)
			go func() {
				// Not runClient: its log on failure would hold the message.
				var out, errb bytes.Buffer
				code := clientCmd(context.Background(), []string{"-insecure", "-timeout", "30s", tt.url}, strings.NewReader(msg), &out, &errb)
				done <- result{code, errb.String()}
			}()
			select {
			case r := <-done:
				if r.code != exitFailure || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("exit %d, stderr %q; want exit %d saying %q", r.code, r.stderr, exitFailure, tt.want)
				}
			case <-time.After(ioWait):
				t.Errorf("no report within %v of a server that ended the session, with -timeout 30s", ioWait)
			}
		})
	}
}
