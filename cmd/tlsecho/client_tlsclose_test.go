package main

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientTLSCloseAfterEcho: after the echoes of a MESSAGE on tls://
// the client sends close_notify and reads what comes until the server's
// end: bytes the server sends in a record after the echo fail the run,
// as a message after the echo does on wss://. A server that answers the
// close_notify, with its own or with a bare FIN, passes at once; one
// that never answers it (nor closes)
// passes after a second, the most the client waits, not -timeout.
func TestClientTLSCloseAfterEcho(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	echoHello := func(c net.Conn) bool {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			return false
		}
		_, err := c.Write(buf)
		return err == nil
	}
	// The echo, then in a record of its own (a write of its own, once
	// the client has the echo: it waits for the client's close_notify)
	// five bytes more.
	later := serveTLS(t, cert, nil, func(c net.Conn) {
		if !echoHello(c) {
			return
		}
		c.SetReadDeadline(time.Now().Add(ioWait))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			return
		}
		c.Write([]byte("EXTRA"))
	})
	// The same with one byte: any byte past the echo is one too many.
	oneLater := serveTLS(t, cert, nil, func(c net.Conn) {
		if !echoHello(c) {
			return
		}
		c.SetReadDeadline(time.Now().Add(ioWait))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			return
		}
		c.Write([]byte("!"))
	})
	// The echo, then the answer to close_notify: crypto/tls's Close.
	answers := serveTLS(t, cert, nil, func(c net.Conn) {
		if echoHello(c) {
			io.Copy(io.Discard, c)
		}
	})
	// The echo, then nothing: it neither answers close_notify nor closes
	// until the client has gone.
	silent := make(chan struct{})
	t.Cleanup(func() { close(silent) })
	mute := serveTLS(t, cert, nil, func(c net.Conn) {
		if echoHello(c) {
			<-silent
		}
	})
	// The echo, then a reset in answer to close_notify.
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptLoop(t, tcp, func(c net.Conn) {
		go func() {
			defer c.Close()
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			tc.SetDeadline(time.Now().Add(ioWait))
			if !echoHello(tc) {
				return
			}
			if _, err := tc.Read(make([]byte, 1)); err == io.EOF {
				c.(*net.TCPConn).SetLinger(0)
			}
		}()
	})
	resets := tcp.Addr().String()
	// The echo, then a bare FIN in answer to close_notify, as many
	// servers end a connection: taken as the end, as crypto/tls takes it.
	fin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptLoop(t, fin, func(c net.Conn) {
		go func() {
			defer c.Close()
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			tc.SetDeadline(time.Now().Add(ioWait))
			if echoHello(tc) {
				tc.Read(make([]byte, 1))
			}
		}()
	})
	fins := fin.Addr().String()
	tests := []struct {
		name, addr string
		code       int
		stdout     []string
		stderr     string
		within     time.Duration
	}{
		{"bytes after the echo", later, exitFailure, []string{"echo          hello"},
			"echo from " + later + ` differs: it sent 5 bytes past the echo before it answered the client's close_notify: "EXTRA"`, 5 * time.Second},
		{"a byte after the echo", oneLater, exitFailure, []string{"echo          hello"},
			"echo from " + oneLater + ` differs: it sent 1 byte past the echo before it answered the client's close_notify: "!"`, 5 * time.Second},
		{"FIN", fins, exitOK, []string{"echo          hello", "close         answered with a TCP FIN and no close_notify"}, "", 5 * time.Second},
		{"close_notify answered", answers, exitOK, []string{"echo          hello", "close         close_notify, answered"}, "", 5 * time.Second},
		{"reset", resets, exitFailure, []string{"echo          hello", "close         no answer: the server ended the connection with a TCP reset"},
			resets + " ended the connection with a TCP reset instead of answering the client's close_notify", 5 * time.Second},
		{"no answer", mute, exitOK, []string{"echo          hello", "close         close_notify sent; no answer within 1s, not waited for longer"}, "", 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, "", "-insecure", "-timeout", "10s", "tls://"+tt.addr, "hello")
			var stderr []string
			if tt.stderr != "" {
				stderr = append(stderr, tt.stderr)
			}
			r.want(t, tt.code, tt.stdout, stderr)
			if r.took > tt.within {
				t.Errorf("took %v, over %v", r.took, tt.within)
			}
			if tt.code == exitOK && strings.Contains(r.stderr, "tlsecho client: 127") {
				t.Errorf("stderr: %s", r.stderr)
			}
		})
	}
}
