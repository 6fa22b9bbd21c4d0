//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
)

// TestClientCloseNotifyThenReset: a raw TLS server that takes the first
// byte of a large send, ends the session with close_notify and then
// closes its socket with the rest of the send unread (which the kernel
// answers with a reset) is reported as having ended the connection with
// close_notify: that came first, and it says the server ended the
// session on purpose. The report named only the reset. With lines of
// standard input the reader meets close_notify first, as it did already.
func TestClientCloseNotifyThenReset(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	addr := serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) {
		if _, err := c.Read(make([]byte, 1)); err != nil {
			return
		}
		c.(*tls.Conn).CloseWrite()
		// serveTLSOn closes the connection when this returns: with the
		// send unread, that is a reset.
	})
	tests := []struct{ mode, want string }{
		{"MESSAGE", "ended the connection with close_notify (then a TCP reset) instead of sending the echo"},
		{"stdin", "closed the connection before the end of input"},
	}
	for _, tt := range tests {
		args, stdin := []string{"-insecure", "-timeout", "10s", "tls://" + addr}, msg+"\n"
		if tt.mode == "MESSAGE" {
			args, stdin = append(args, msg), ""
		}
		// Not runClient: its log on failure would hold the message.
		var out, errb bytes.Buffer
		code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
		if code != exitFailure || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", tt.mode, code, errb.String(), exitFailure, tt.want)
		}
	}
}
