package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestClientStdinEchoDiffers: with lines of standard input, an echo of
// the right length with a byte changed, or of the right bytes as the
// wrong type of message, fails the run with the line and the difference
// named; counting bytes and messages alone let it pass.
func TestClientStdinEchoDiffers(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	// Reads up to close_notify, then echoes it all with byte 5 changed.
	raw := serveTLS(t, cert, nil, func(c net.Conn) {
		all, err := io.ReadAll(c)
		if err != nil || len(all) < 6 {
			return
		}
		all[5] = 'W'
		c.Write(all)
	})
	// Echoes each message, the second with its second byte changed.
	changed := serveWS(t, cert, func(ws *websocket.Conn) {
		for i := 0; ; i++ {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if i == 1 {
				msg[1] = 'W'
			}
			ws.WriteMessage(mt, msg)
		}
	})
	// Echoes each message as a binary one.
	binary := serveWS(t, cert, func(ws *websocket.Conn) {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteMessage(websocket.BinaryMessage, msg)
		}
	})
	// stdout ends with the echo up to the first byte that differs, after
	// the report.
	tests := []struct{ name, url, want, stdout string }{
		{"tls", "tls://" + raw, `echo of line 2 from ` + raw + ` differs (at byte 5 of the echo stream): sent "two\n", got "tWo\n"`, "one\nt"},
		{"wss", changed, `echo of line 2 from ` + strings.TrimSuffix(strings.TrimPrefix(changed, "wss://"), "/ws") +
			` differs: sent a text message, got a text one; sent "two", got "tWo"`, "one\n"},
		{"wss type", binary, `echo of line 1 from ` + strings.TrimSuffix(strings.TrimPrefix(binary, "wss://"), "/ws") +
			` differs: sent a text message, got a binary one; sent "one", got "one"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, "one\ntwo\nsix\n", "-insecure", "-timeout", "5s", tt.url)
			r.want(t, exitFailure, nil, []string{tt.want})
			if !strings.HasSuffix(r.stdout, "\n"+tt.stdout) {
				t.Errorf("stdout ends %q, want the echo %q", r.stdout[max(0, len(r.stdout)-20):], tt.stdout)
			}
		})
	}
}

// TestClientStdinOwedBound: a server that reads everything and echoes
// nothing gets no more than the client holds unechoed (4,096 lines or
// 4 MiB): then the client waits for the echo, and fails after -timeout
// with the bound named, instead of holding all of its input.
func TestClientStdinOwedBound(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	rawGot := make(chan int, 1)
	raw := serveTLS(t, cert, nil, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		rawGot <- int(n)
	})
	wsGot := make(chan int, 1)
	ws := serveWS(t, cert, func(ws *websocket.Conn) {
		n := 0
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				wsGot <- n
				return
			}
			n += len(msg)
		}
	})
	mib := strings.Repeat("x", 1<<20-1) + "\n"
	tests := []struct {
		name, url, stdin, want string
		got                    <-chan int
		most                   int
	}{
		{"tls lines", "tls://" + raw, strings.Repeat("x\n", 5000),
			"while the client held 4096 lines (8192 bytes) sent and not echoed, the most it holds (4096 lines or 4 MiB)", rawGot, 8192},
		{"wss bytes", ws, strings.Repeat(mib, 6),
			"while the client held 4 lines (4194300 bytes) sent and not echoed", wsGot, 4 * (1<<20 - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, tt.stdin, "-insecure", "-timeout", "1s", tt.url)
			r.want(t, exitFailure, nil, []string{"tlsecho client: no echo from ", " within 1s " + tt.want})
			if got := <-tt.got; got > tt.most {
				t.Errorf("the server read %d bytes, over the %d the client holds", got, tt.most)
			}
		})
	}
}

// TestOwedEchoStream: the byte stream of tls:// is checked across reads
// that cut lines anywhere.
func TestOwedEchoStream(t *testing.T) {
	o := newOwedEcho("x")
	for _, l := range []string{"ab\n", "\n", "cd\n"} {
		if err := o.put(t.Context(), []byte(l), nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"a", "b\n\nc", "d"} {
		if n, err := o.stream([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("stream(%q) = %d, %v", p, n, err)
		}
	}
	n, err := o.stream([]byte("X\nZ"))
	if n != 0 || err == nil || !strings.Contains(err.Error(), `echo of line 3 from x differs (at byte 6 of the echo stream): sent "cd\n", got "cdX"`) {
		t.Fatalf("stream = %d, %v", n, err)
	}
	o = newOwedEcho("x")
	o.put(t.Context(), []byte("ab\n"), nil, 0)
	o.end()
	n, err = o.stream(bytes.Repeat([]byte("ab\nZ"), 20))
	if n != 3 || err == nil || !strings.Contains(err.Error(), `differs after the end of input: sent 3 bytes, got more: "Zab\nZab`) {
		t.Fatalf("stream past = %d, %v", n, err)
	}
}
