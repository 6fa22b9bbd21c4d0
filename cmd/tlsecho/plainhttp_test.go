package main

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPlainHTTPDropsClientThatDoesNotRead: a client that sends pipelined
// requests to the plain HTTP listener and never reads the answers leaves
// the server blocked writing to a full window. Like any connection without
// traffic, it must be closed once TLSECHO_IDLE_TIMEOUT has passed, not
// held, with its goroutine and descriptor, for as long as the client
// keeps it open.
func TestPlainHTTPDropsClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "IDLE_TIMEOUT": idle.String()})
	d := &net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}
	c, err := d.Dial("tcp", ta.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The answers fill the client's window and the server's send buffer;
	// the server, blocked writing, stops reading requests, and then these
	// writes block too. Only the server closing the connection (a reset,
	// as it closes with requests unread) ends them before the deadline.
	requests := strings.Repeat("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 1000)
	start := time.Now()
	c.SetWriteDeadline(start.Add(ioWait))
	for {
		_, err := io.WriteString(c, requests)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection still open %v after the client stopped reading, with TLSECHO_IDLE_TIMEOUT=%v", time.Since(start).Round(time.Second), idle)
		}
		if err != nil {
			break
		}
	}
}
