package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestSlowBodyAnswered: with TLSECHO_IDLE_TIMEOUT below
// TLSECHO_HANDSHAKE_TIMEOUT, a request whose body comes after a pause
// longer than the idle timeout, yet within the handshake timeout that
// bounds a whole request, is a request the server took: on every HTTP
// listener its client gets the answer, 200, not an end of the connection
// (the answer's time running out while the body was still allowed to
// arrive).
func TestSlowBodyAnswered(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": "1s", "HANDSHAKE_TIMEOUT": "5s", "HTTP_ADDR": "127.0.0.1:0"})
	d := &net.Dialer{Timeout: ioWait}
	ports := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"https", func() (net.Conn, error) { return tls.DialWithDialer(d, "tcp", ta.HTTPSAddr, ta.clientTLS()) }},
		{"http", func() (net.Conn, error) { return d.Dial("tcp", ta.HTTPAddr) }},
		{"admin", func() (net.Conn, error) { return d.Dial("tcp", ta.AdminAddr) }},
	}
	for _, port := range ports {
		t.Run(port.name, func(t *testing.T) {
			t.Parallel()
			c, err := port.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioWait))
			if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			// Twice the idle timeout, as the server counts it, and
			// within the handshake timeout.
			ta.waitIdleClose(t)
			ta.waitIdleClose(t)
			if _, err := io.WriteString(c, "x"); err != nil {
				t.Fatal(err)
			}
			// The answer is read whole, not to the connection's end: the
			// connection stays open for a next request.
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				rest, _ := io.ReadAll(br)
				t.Fatalf("reading the answer: %v (then %q); want the answer, 200", err, rest)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the answer is %s; want 200", resp.Status)
			}
		})
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
