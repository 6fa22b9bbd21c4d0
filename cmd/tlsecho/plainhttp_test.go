package main

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestPageListenersDropClientThatDoesNotRead: a client that sends
// pipelined requests to a page listener (plain HTTP or HTTPS) and never
// reads the answers leaves the server blocked writing to a full window.
// Like any connection without traffic, it must be closed once
// TLSECHO_IDLE_TIMEOUT has passed (after the TLSECHO_HANDSHAKE_TIMEOUT a
// request may take to arrive), not held, with its goroutine and
// descriptor, for as long as the client keeps it open.
func TestPageListenersDropClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "IDLE_TIMEOUT": idle.String(), "HANDSHAKE_TIMEOUT": "2s"})
	d := &net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}
	dial := map[string]func() (net.Conn, error){
		"http":  func() (net.Conn, error) { return d.Dial("tcp", ta.HTTPAddr) },
		"https": func() (net.Conn, error) { return tls.DialWithDialer(d, "tcp", ta.HTTPSAddr, ta.clientTLS()) },
	}
	for name, dial := range dial {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// The answers fill the client's window and the server's send
			// buffer; the server, blocked writing, stops reading requests,
			// and then these writes block too. Only the server closing the
			// connection (a reset, as it closes with requests unread) ends
			// them before the deadline.
			// The server blocks only once its answers have filled the
			// socket buffers (megabytes on loopback), which with one core
			// under -race on a loaded machine has taken over nine seconds;
			// a server ignoring the setting would hold on for minutes.
			requests := strings.Repeat("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 1000)
			start := time.Now()
			c.SetWriteDeadline(start.Add(20 * time.Second))
			for {
				_, err := io.WriteString(c, requests)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("connection still open %v after the client stopped reading, with TLSECHO_IDLE_TIMEOUT=%v", time.Since(start).Round(time.Second), idle)
				}
				if err != nil {
					break
				}
			}
		})
	}
}

// TestWebSocketOutlivesWriteTimeout: the page listeners' write deadline
// (TLSECHO_HANDSHAKE_TIMEOUT and TLSECHO_IDLE_TIMEOUT from the request
// on) is for HTTP answers; a WebSocket upgraded from the request keeps
// echoing past it.
func TestWebSocketOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	// The deadline is the handshake timeout and the idle timeout from
	// the request on (answerWithin): at their defaults, 11 s, past any
	// run this test would make, so both are short here.
	const idle, handshake = time.Second, time.Second
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "IDLE_TIMEOUT": idle.String(), "HANDSHAKE_TIMEOUT": handshake.String()})
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	for _, url := range []string{"wss://" + ta.HTTPSAddr + "/ws", "ws://" + ta.HTTPAddr + "/ws"} {
		t.Run(url[:strings.Index(url, ":")], func(t *testing.T) {
			t.Parallel()
			ws, _, err := d.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			// An echo every 20 ms, for an idle timeout past the deadline,
			// and well within the idle timeout between them: about 150
			// show what thousands back to back did, which kept a core
			// busy the whole time.
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			start := time.Now()
			for n := 0; time.Since(start) < handshake+2*idle; n++ {
				<-tick.C
				ws.SetWriteDeadline(time.Now().Add(ioWait))
				ws.SetReadDeadline(time.Now().Add(ioWait))
				if err := ws.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
					t.Fatalf("write %d, %v after the upgrade: %v", n, time.Since(start).Round(time.Millisecond), err)
				}
				if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "hello" {
					t.Fatalf("echo %d, %v after the upgrade: %q, %v", n, time.Since(start).Round(time.Millisecond), msg, err)
				}
			}
		})
	}
}
