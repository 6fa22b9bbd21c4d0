//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientStalledSendReason: a server that ends the session with a
// reason (close 4001 "bye" on wss://, close_notify on tls://) and then
// reads no more stalls the client's send of a large message. The report
// gives that reason, which is what a user needs, not only that the
// server stopped reading; with a MESSAGE and with lines of standard
// input.
func TestClientStalledSendReason(t *testing.T) {
	t.Parallel()
	// The session's -timeout (see shortSession): on wss:// with standard
	// input the client's reader has the close within a second of the
	// send's beginning (its answer to the close, stalled behind the
	// writer, waits no longer), and -timeout leaves it one more.
	const timeout = 2 * time.Second
	msg := strings.Repeat("x", beyondBuffers)
	tlsAddr, wsURL := endingServers(t)
	tests := []struct {
		url, mode, want string
	}{
		{"tls://" + tlsAddr, "MESSAGE", "ended the connection with close_notify instead of sending the echo"},
		{"tls://" + tlsAddr, "stdin", "closed the connection before the end of input"},
		{wsURL, "MESSAGE", `closed the WebSocket with 4001 "bye" instead of sending the echo`},
		{wsURL, "stdin", `closed the WebSocket with 4001 "bye" instead of sending the rest of the echo`},
	}
	for _, tt := range tests {
		t.Run(tt.url[:3]+", "+tt.mode, func(t *testing.T) {
			t.Parallel()
			args, stdin := []string{"-insecure", "-timeout", ioWait.String(), tt.url}, msg+"\n"
			if tt.mode == "MESSAGE" {
				args, stdin = append(args, msg), ""
			}
			c := shortSessionClient(t, args, timeout)
			start := time.Now()
			err := c.run(context.Background(), strings.NewReader(stdin))
			// The session's part: connecting had ioWait of its own.
			took := time.Since(start) - c.connectTime - c.handshakeTime - c.upgradeTime
			// Not %v of err alone: a wrong echo would quote the message.
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %.200v; want one saying %q", err, tt.want)
			}
			// Never past -timeout and a little: room for a loaded machine.
			if took > timeout+ioWait/2 {
				t.Errorf("reported %v after connecting, -timeout %v", took, timeout)
			}
		})
	}
}

// TestClientSendClosedReason: a wss server that sends close 4001 "bye"
// and closes the connection while the client is still sending a large
// message (as a server does on a message over its limit) has its close
// reported, not the reset or broken pipe that its close with unread
// bytes left the send; with a MESSAGE as with lines of standard input.
func TestClientSendClosedReason(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	u := rawWSServerOn(t, smallWindowListener(t), switched, func(c net.Conn, br *bufio.Reader) {
		if _, err := br.ReadByte(); err != nil {
			return
		}
		c.Write([]byte{0x88, 0x05, 0x0f, 0xa1, 'b', 'y', 'e'})
	})
	for _, mode := range []string{"MESSAGE", "stdin"} {
		args, stdin := []string{"-insecure", "-timeout", "5s", u}, msg+"\n"
		want := `closed the WebSocket with 4001 "bye" instead of sending the rest of the echo`
		if mode == "MESSAGE" {
			args, stdin = append(args, msg), ""
			want = `closed the WebSocket with 4001 "bye" instead of sending the echo`
		}
		// Not runClient: its log on failure would hold the message.
		var out, errb bytes.Buffer
		code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
		if code != exitFailure || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", mode, code, errb.String(), exitFailure, want)
		}
	}
}

// endingServers starts a raw TLS server and a WebSocket server, each with
// a small window, that take the first byte the client sends, then end the
// session with a reason (close_notify on tls://, close 4001 "bye" on
// wss://) and read no more, holding the connection open until the test
// ends.
func endingServers(t *testing.T) (tlsAddr, wsURL string) {
	t.Helper()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	hold := func() {
		select {
		case <-stop:
		case <-time.After(2 * ioWait):
		}
	}
	tlsAddr = serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) {
		if _, err := c.Read(make([]byte, 1)); err != nil {
			return
		}
		c.(*tls.Conn).CloseWrite()
		hold()
	})
	wsURL = rawWSServerOn(t, smallWindowListener(t), switched, func(c net.Conn, br *bufio.Reader) {
		if _, err := br.ReadByte(); err != nil {
			return
		}
		c.Write([]byte{0x88, 0x05, 0x0f, 0xa1, 'b', 'y', 'e'})
		hold()
	})
	return tlsAddr, wsURL
}
