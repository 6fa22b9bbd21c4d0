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
)

// TestClientSendBrokenPipe: a server that ends the connection (a FIN,
// then a reset for the bytes it left unread) while the client is still
// sending a large MESSAGE leaves the client's send a broken pipe, EPIPE,
// not ECONNRESET: the reset came after the FIN. The report says the
// server reset the connection, as for ECONNRESET; it printed "write:
// broken pipe" as it came.
func TestClientSendBrokenPipe(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	// finThenReset ends the connection with a FIN while bytes are still
	// unread, then closes it, which sends the reset.
	finThenReset := func(c net.Conn) {
		c.(*tls.Conn).NetConn().(*net.TCPConn).CloseWrite()
	}
	tlsAddr := serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) {
		if _, err := c.Read(make([]byte, 1)); err == nil {
			finThenReset(c)
		}
	})
	wsURL := rawWSServerOn(t, smallWindowListener(t), switched, func(c net.Conn, br *bufio.Reader) {
		if _, err := br.ReadByte(); err == nil {
			finThenReset(c)
		}
	})
	for _, u := range []string{"tls://" + tlsAddr, wsURL} {
		// Not runClient: its log on failure would hold the message.
		var out, errb bytes.Buffer
		code := clientCmd(context.Background(), []string{"-insecure", "-timeout", "5s", u, msg}, strings.NewReader(""), &out, &errb)
		if want := "ended the connection with a TCP reset instead of sending the echo"; code != exitFailure || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", u, code, errb.String(), exitFailure, want)
		}
	}
}
