//go:build unix

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestClientSendEndsWithServer: a server that ends the session (close
// 4001 "bye" on wss://, close_notify on tls://) and then reads no more,
// the connection still open, is reported as soon as the client has read
// that end, with the server's reason; with lines of standard input and
// with a MESSAGE. The send it stalled was waited out to -timeout (30s
// here), although nothing sent after the server's end could change the
// outcome: with standard input on tls://, and with a MESSAGE on both,
// where nothing read while the message was being sent.
func TestClientSendEndsWithServer(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	tlsAddr, wsURL := endingServers(t)
	tests := []struct{ url, mode, want string }{
		{"tls://" + tlsAddr, "stdin", "closed the connection before the end of input"},
		{wsURL, "stdin", `closed the WebSocket with 4001 "bye" instead of sending the rest of the echo`},
		{"tls://" + tlsAddr, "MESSAGE", "ended the connection with close_notify instead of sending the echo"},
		{wsURL, "MESSAGE", `closed the WebSocket with 4001 "bye" instead of sending the echo`},
	}
	for _, tt := range tests {
		t.Run(tt.url[:3]+"/"+tt.mode, func(t *testing.T) {
			t.Parallel()
			args, stdin := []string{"-insecure", "-timeout", "30s", tt.url}, msg+"\n"
			if tt.mode == "MESSAGE" {
				args, stdin = append(args, msg), ""
			}
			type result struct {
				code   int
				stderr string
			}
			done := make(chan result, 1)
			go func() {
				// Not runClient: its log on failure would hold the message.
				var out, errb bytes.Buffer
				code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
				done <- result{code, errb.String()}
			}()
			select {
			case r := <-done:
				if r.code != exitFailure || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("exit %d, stderr %.300q; want exit %d saying %q", r.code, r.stderr, exitFailure, tt.want)
				}
			case <-time.After(ioWait):
				t.Errorf("no report within %v of a server that ended the session, with -timeout 30s", ioWait)
			}
		})
	}
}
