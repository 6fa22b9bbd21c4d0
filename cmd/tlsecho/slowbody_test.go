package main

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHTTPSSlowBodyEndsCleanly: with TLSECHO_IDLE_TIMEOUT below
// TLSECHO_HANDSHAKE_TIMEOUT, a request whose body comes after a pause
// longer than the idle timeout is still read (ReadTimeout allows it), but
// the answer's write deadline (the idle timeout, from the headers on) has
// passed: the write fails before a byte of it goes out. The client must
// then see the connection end, not the close_notify crypto/tls would
// still send after the failed record, which it cannot decrypt ("bad
// record MAC").
func TestHTTPSSlowBodyEndsCleanly(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": "1s", "HANDSHAKE_TIMEOUT": "5s"})
	d := &net.Dialer{Timeout: ioWait}
	c, err := tls.DialWithDialer(d, "tcp", ta.HTTPSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Twice the idle timeout, as the server counts it: well past the
	// answer's write deadline, and within the read timeout.
	ta.waitIdleClose(t)
	ta.waitIdleClose(t)
	if _, err := io.WriteString(c, "x"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the client read %q, then %v; want an answer or the connection's end", got, err)
	}
	if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 200 ") {
		t.Fatalf("the client read %q", got)
	}
}

// waitIdleClose opens a raw TLS connection, sends nothing and waits until
// the server closes it for TLSECHO_IDLE_TIMEOUT: the server's own measure
// of the idle timeout having passed since the call.
func (ta *testApp) waitIdleClose(t *testing.T) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(ioWait))
	if n, err := c.Read(make([]byte, 1)); n > 0 || errors.Is(err, net.ErrClosed) || isTimeout(err) {
		t.Fatalf("waiting for the idle close: %d bytes, %v", n, err)
	}
}
