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

// TestClientSendTimeout: a server that completes the handshake (and, on
// wss://, the upgrade) and then reads nothing stalls the client's send of
// a message larger than the socket buffers. The run fails within -timeout
// of that send, saying the server stopped reading (not that no echo
// came), and does not wait longer for a reason the server never sends;
// with lines of standard input and with a MESSAGE.
func TestClientSendTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	// Far more than loopback's socket buffers hold on both ends.
	msg := strings.Repeat("x", 16<<20)
	stop := make(chan struct{})
	stall := func() {
		select {
		case <-stop:
		case <-time.After(ioWait):
		}
	}
	tlsAddr := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		if c.(*tls.Conn).Handshake() == nil {
			stall()
		}
	})
	wsURL := rawWSServer(t, switched, func(net.Conn, *bufio.Reader) { stall() })
	t.Cleanup(func() { close(stop) })
	for _, u := range []string{"tls://" + tlsAddr, wsURL} {
		for _, mode := range []string{"stdin", "MESSAGE"} {
			args, stdin := []string{"-insecure", "-timeout", timeout.String(), u}, msg+"\n"
			if mode == "MESSAGE" {
				args, stdin = append(args, msg), ""
			}
			// Not runClient: its log on failure would hold the message.
			var out, errb bytes.Buffer
			start := time.Now()
			code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
			took := time.Since(start)
			if want := "stopped reading: nothing could be sent within 3s"; code != exitFailure || !strings.Contains(errb.String(), want) {
				t.Errorf("%s, %s: exit %d, stderr %q; want exit %d saying %q", u, mode, code, errb.String(), exitFailure, want)
			}
			// The send starts milliseconds after the run; the rest of a
			// second is room for a loaded machine (16 MiB read and sent
			// under -race), and a report held for a reason would come
			// later still.
			if took > timeout+time.Second {
				t.Errorf("%s, %s: the stalled send was reported after %v, -timeout %v", u, mode, took, timeout)
			}
		}
	}
}
