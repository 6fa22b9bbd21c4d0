//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClientSendTimeout: a server that completes the handshake (and, on
// wss://, the upgrade) and then reads nothing stalls the client's send of
// a message larger than the socket buffers. The run fails within -timeout
// of that send, saying the server stopped reading (not that no echo
// came, nor that nothing could be sent: the server had the first bytes),
// and does not wait longer for a reason the server never sends; with
// lines of standard input and with a MESSAGE.
func TestClientSendTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	// Far more than loopback's socket buffers hold on both ends.
	msg := strings.Repeat("x", 16<<20)
	stop := make(chan struct{})
	// Each server notes when the message's first byte came, which is when
	// the client's send had begun, and then reads no more.
	sendBegan := make(chan time.Time, 1)
	stall := func(c net.Conn, r io.Reader) {
		// Not cut by the ioWait serveTLSOn gives a connection from its
		// accept: on a loaded machine the client may take most of that
		// before it begins to send, and a read that timed out then
		// would leave no trace of the byte that did come.
		c.SetReadDeadline(time.Now().Add(2 * ioWait))
		if _, err := r.Read(make([]byte, 1)); err != nil {
			return
		}
		sendBegan <- time.Now()
		select {
		case <-stop:
		case <-time.After(ioWait):
		}
	}
	tlsAddr := serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) { stall(c, c) })
	wsURL := rawWSServerOn(t, smallWindowListener(t), switched, func(c net.Conn, br *bufio.Reader) { stall(c, br) })
	t.Cleanup(func() { close(stop) })
	for _, u := range []string{"tls://" + tlsAddr, wsURL} {
		for _, mode := range []string{"stdin", "MESSAGE"} {
			args, stdin := []string{"-insecure", "-timeout", timeout.String(), u}, msg+"\n"
			if mode == "MESSAGE" {
				args, stdin = append(args, msg), ""
			}
			// Not runClient: its log on failure would hold the message.
			var out, errb bytes.Buffer
			code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
			ended := time.Now()
			if want := "stopped reading: what the client was sending did not go out in full within 3s"; code != exitFailure || !strings.Contains(errb.String(), want) {
				t.Errorf("%s, %s: exit %d, stderr %q; want exit %d saying %q", u, mode, code, errb.String(), exitFailure, want)
			}
			// Reading and copying the message before the send is not
			// counted, and the server's small window stalls the send
			// within a few KiB of its first byte: under -race on a
			// loaded machine, masking and encrypting the megabytes that
			// loopback's default buffers take took longer than -timeout.
			// A report held for a reason that never comes comes a
			// second after -timeout; half of that is room for a loaded
			// machine.
			//
			// The server notes the first byte when its goroutine runs,
			// which on a loaded machine under -race came after the
			// client had already returned: wait for it. Such a late
			// note only makes the measure shorter; where the server
			// runs at once, as it mostly does, it is exact.
			select {
			case began := <-sendBegan:
				if took := ended.Sub(began); took > timeout+500*time.Millisecond {
					t.Errorf("%s, %s: the stalled send was reported %v after it began, -timeout %v", u, mode, took, timeout)
				}
			case <-time.After(ioWait):
				t.Errorf("%s, %s: no byte of the message reached the server within %v of the report", u, mode, ioWait)
			}
		}
	}
}

// smallWindowListener listens on loopback with a receive buffer of a few
// KiB, which its connections inherit: a client sending to one that does
// not read is stalled after a few KiB, not after megabytes.
func smallWindowListener(t *testing.T) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
