package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os/exec"
	"testing"
	"time"
)

// TestOutOfDescriptors runs the server with a tiny descriptor limit and
// opens more connections than it can accept: accept fails with EMFILE,
// the server logs it and backs off instead of exiting, and once the
// connections close it serves again.
func TestOutOfDescriptors(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the limit with")
	}
	p := startProcWith(t, func(cmd *exec.Cmd) {
		exe := cmd.Path
		cmd.Path, _ = exec.LookPath("sh")
		cmd.Args = []string{"sh", "-c", `ulimit -n 48 && exec "$0"`, exe}
	}, "TLSECHO_HANDSHAKE_TIMEOUT=30s")

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 80 {
		c, err := net.DialTimeout("tcp", p.TLSAddr, 2*time.Second)
		if err != nil {
			break // the backlog is full too: enough
		}
		conns = append(conns, c)
	}
	for range p.waitLog(t, "accept failed; retrying", 10*time.Second) {
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil

	// Descriptors come back as the silent connections are closed; the
	// server must then accept and echo again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := dialAndEcho(p.TLSAddr, "back again")
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not recover from EMFILE: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case err := <-p.exited:
		t.Fatalf("server exited: %v", err)
	default:
	}
}

// dialAndEcho connects to a raw TLS port without verifying, sends msg and
// checks the echo.
func dialAndEcho(addr, msg string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 2 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, insecureTLS)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		c.Close()
		return nil, err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		c.Close()
		return nil, fmt.Errorf("echo %q: %v", got, err)
	}
	return c, nil
}
