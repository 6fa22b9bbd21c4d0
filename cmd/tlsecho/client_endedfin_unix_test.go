//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientBareEndWithFIN: a raw TLS server that ends the session with
// close_notify during a large send, then ends its side of the TCP
// connection (FIN) and reads no more, is reported soon after the FIN
// comes. The client gives a send in flight a while after a bare end to
// meet the reset a closing server sends behind it (see readBeside); a
// reset that is to come follows a FIN at once, so after a FIN that wait,
// a second, only held the report until it ran out. The wait is made far
// longer here than the test's bound, which then shows it ends with the
// FIN.
func TestClientBareEndWithFIN(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	addr := serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) {
		if _, err := c.Read(make([]byte, 1)); err != nil {
			return
		}
		tc := c.(*tls.Conn)
		tc.CloseWrite()
		tc.NetConn().(*net.TCPConn).CloseWrite()
		<-hold
	})
	t.Cleanup(func() { close(hold) })

	msg := strings.Repeat("x", beyondBuffers)
	o, err := parseClientArgs([]string{"-insecure", "-timeout", "30s", "tls://" + addr, msg})
	if err != nil {
		t.Fatal(err)
	}
	// Not runClient: its log on failure would hold the message.
	var errb bytes.Buffer
	c := &client{o: o, stdout: &bytes.Buffer{}, stderr: &errb, bareEndWait: time.Minute}
	done := make(chan error, 1)
	go func() { done <- c.run(context.Background(), nil) }()
	select {
	case err := <-done:
		const want = "ended the connection with close_notify instead of sending the echo"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %.300v, want one saying %q", err, want)
		}
	case <-time.After(ioWait):
		t.Fatalf("no report within %v of a server that sent close_notify and a FIN", ioWait)
	}
}
