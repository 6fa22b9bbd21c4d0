package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// stdinEndBound is how soon a client with -timeout 1s must end once its
// input has: a second of silence in the echo, with room for a loaded
// machine, and far below ioWait, after which the test servers give up.
const stdinEndBound = 5 * time.Second

// serveWSPings runs a wss server that upgrades, never echoes, and pings
// every 100 ms until the client goes (or ioWait).
func serveWSPings(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		end := time.After(ioWait)
		for {
			select {
			case <-tick.C:
			case <-end:
				return
			}
			if err := ws.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)); err != nil {
				return
			}
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{hostileCert(t)}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "wss://" + srv.Listener.Addr().String() + "/ws"
}

// serveStreamPastEcho runs a TLS server that reads up to the client's
// close_notify, echoes what came, and then sends Z without end: a server
// streaming on past the echo. It returns its address.
func serveStreamPastEcho(t *testing.T) string {
	t.Helper()
	return serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		line, err := io.ReadAll(c) // up to close_notify: the echo comes after the end of input
		if err != nil {
			return
		}
		c.Write(line)
		more := bytes.Repeat([]byte("Z"), 64<<10)
		for {
			if _, err := c.Write(more); err != nil {
				return
			}
		}
	})
}

// TestClientStdinEndsAfterEcho: once standard input has ended, only the
// echo of what was sent keeps the client waiting. A server that sends
// pings and nothing else, streams on past the echo, or trickles bytes
// without end, ends the session within -timeout of the last byte of echo,
// with exit 1; before, each held the client until it was killed.
func TestClientStdinEndsAfterEcho(t *testing.T) {
	t.Parallel()
	streamer := serveStreamPastEcho(t)
	// The echo comes a byte every 300 ms, longer in all than -timeout,
	// and the bytes go on coming after it.
	trickler := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		line, err := io.ReadAll(c) // up to close_notify: the echo comes after the end of input
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			b := byte('Z')
			if i < len(line) {
				b = line[i]
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(300 * time.Millisecond) // the server's pace, not a wait of the test
		}
	})
	tests := []struct {
		name, url string
		stdout    string
		stderr    string
		notBefore time.Duration
	}{
		{name: "wss pings, no echo", url: serveWSPings(t),
			stderr: "no echo (0 of 1 message came back) from", notBefore: time.Second},
		{name: "tls streams past the echo", url: "tls://" + streamer,
			stdout: "\nhello\n", stderr: "differs after the end of input: sent 6 bytes, got more"},
		{name: "tls trickles", url: "tls://" + trickler,
			stdout: "\nhello\n", stderr: "differs after the end of input: sent 6 bytes, got more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb testlog.Buffer
			done := make(chan int, 1)
			start := time.Now()
			go func() {
				done <- clientCmd(context.Background(), []string{"-insecure", "-timeout", "1s", tt.url}, strings.NewReader("hello\n"), &out, &errb)
			}()
			var code int
			select {
			case code = <-done:
			case <-time.After(stdinEndBound):
				t.Fatalf("the client still ran %v after the end of its input, with -timeout 1s\nstderr:\n%s", stdinEndBound, errb.String())
			}
			took := time.Since(start)
			if code != exitFailure || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errb.String(), exitFailure, tt.stderr)
			}
			if !strings.HasSuffix(out.String(), tt.stdout) {
				t.Errorf("stdout ends %q, want %q", out.String()[max(0, len(out.String())-40):], tt.stdout)
			}
			if took < tt.notBefore {
				t.Errorf("ended after %v, before -timeout", took)
			}
		})
	}
}
