package main

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientSendTimeout: a server that completes the handshake (and, on
// wss://, the upgrade) and then reads nothing stalls the client's send of
// a line larger than the socket buffers. The run fails within -timeout of
// that send, saying the server stopped reading; it does not wait longer
// for a reason the server never sends.
func TestClientSendTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	// Far more than loopback's socket buffers hold on both ends.
	line := strings.Repeat("x", 16<<20) + "\n"
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
		r := runClient(t, line, "-insecure", "-timeout", timeout.String(), u)
		r.want(t, exitFailure, nil, []string{"stopped reading: nothing could be sent within 3s"})
		// The send starts milliseconds after the run; the rest of a
		// second is room for a loaded machine (16 MiB read and sent under
		// -race), and a report held for a reason would come later still.
		if r.took > timeout+time.Second {
			t.Errorf("%s: the stalled send was reported after %v, -timeout %v", u, r.took, timeout)
		}
	}
}
