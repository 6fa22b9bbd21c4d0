package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"
)

// TestSilentServerTimeout: -timeout bounds a raw TLS connect as a whole,
// the TCP connect and the TLS handshake together: a server that accepts
// and never answers the ClientHello fails the run after it, rather than
// holding the client until the run is interrupted.
func TestSilentServerTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c // kept open, silent
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-c", "1", "-n", "1", "-timeout", "300ms", "-insecure", "-progress", "0", "tls://" + ln.Addr().String()}, &stdout, &stderr)
	}()
	select {
	case code := <-done:
		out := stdout.String() + stderr.String()
		if code != 1 || !strings.Contains(out, "deadline exceeded") {
			t.Errorf("exit %d, want 1 and a timeout reported:\n%s", code, out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run against a server that never answers did not end within 30s of a 300ms -timeout")
	}
}
