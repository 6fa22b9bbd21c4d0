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

// adminTimeoutTests are clients that hold an admin connection without
// finishing with it: each must be dropped within the settings
// (TLSECHO_HANDSHAKE_TIMEOUT and TLSECHO_IDLE_TIMEOUT, 1s each in the
// test), before the admin port's own bounds (5 s for headers, 10 s for a
// whole request, 30 s for an answer, a minute idle) would drop it. within
// lies between the two, with seconds of room for a loaded machine.
var adminTimeoutTests = []hostileClient{
	{"silent", 4 * time.Second, func(c net.Conn) {}},
	{"headers trickled", 4 * time.Second, func(c net.Conn) {
		trickle(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "+strings.Repeat("s", 1000))
	}},
	{"body trickled", 8 * time.Second, func(c net.Conn) {
		io.WriteString(c, "POST /faults HTTP/1.1\r\nHost: localhost\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
		trickle(c, "spec=fin&listener=tls&"+strings.Repeat("x", 1000))
	}},
	{"idle after an answer", ioWait, func(c net.Conn) {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	}},
}

// hostileClient is a client that misuses a connection, and how long the
// server may take to end it.
type hostileClient struct {
	name   string
	within time.Duration
	// hold runs the client on c; it returns when c is closed.
	hold func(c net.Conn)
}

// trickle writes s a byte at a time, a tenth of a second apart, until the
// connection fails.
func trickle(c net.Conn, s string) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		<-tick.C
	}
}

// TestAdminTimeoutsFollowSettings: a slow, silent or idle client of the
// admin port is dropped within TLSECHO_HANDSHAKE_TIMEOUT or
// TLSECHO_IDLE_TIMEOUT when they are set below the admin port's own
// bounds, as on every other listener, and a health check is answered
// afterwards.
func TestAdminTimeoutsFollowSettings(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": "1s", "IDLE_TIMEOUT": "1s"})
	dial := func() (net.Conn, error) { return net.Dial("tcp", ta.AdminAddr) }
	for _, tt := range adminTimeoutTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			go tt.hold(c)
			c.SetReadDeadline(start.Add(tt.within))
			if _, err := io.Copy(io.Discard, c); err != nil && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("still open %v after it began: %v", time.Since(start).Round(time.Millisecond), err)
			}
			healthy(t, dial)
		})
	}
	// A client that sends requests and never reads the answers: the
	// server, blocked writing, must give up once TLSECHO_IDLE_TIMEOUT has
	// passed, well before the admin port's own 30 s. It blocks only once
	// its answers have filled the socket buffers, megabytes of /metrics
	// made one at a time: a second or two here, over nine seconds with
	// one core under -race on a loaded machine. The bound leaves room
	// for that and stays below the 30 s a server ignoring the setting
	// would take.
	const neverRead = 20 * time.Second
	t.Run("answers never read", func(t *testing.T) {
		t.Parallel()
		d := &net.Dialer{Timeout: ioWait, Control: smallReceiveBuffer}
		c, err := d.Dial("tcp", ta.AdminAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		requests := strings.Repeat("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n", 100)
		start := time.Now()
		c.SetWriteDeadline(start.Add(neverRead))
		for {
			_, err := io.WriteString(c, requests)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("still open %v after the client stopped reading", time.Since(start).Round(time.Millisecond))
			}
			if err != nil {
				break
			}
		}
		healthy(t, dial)
	})
}
