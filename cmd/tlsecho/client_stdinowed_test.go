package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestClientStdinLongLine: a line longer than the most the client holds
// unechoed (4 MiB) goes out alone once everything before it has come
// back, and the run passes; it is not held back for ever waiting for
// room it can never have.
func TestClientStdinLongLine(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	long := strings.Repeat("y", maxOwedBytes+1000) + "\n"
	r := runClient(t, "short\n"+long+"after\n", "-insecure", "-timeout", "5s", "tls://"+ta.TLSAddr)
	r.want(t, exitOK, []string{"short\n", "after\n"}, nil)
	if !strings.Contains(r.stdout, long) {
		t.Errorf("stdout lacks the long line's echo (%d bytes of output)", len(r.stdout))
	}
}

// TestClientStdinSlowEchoProgress: the wait for room among the lines held
// unechoed lasts -timeout from the echo's last progress, not from its
// start: an echo that keeps coming, though a line of it takes longer
// than -timeout, is a slow link, not a server that stopped.
func TestClientStdinSlowEchoProgress(t *testing.T) {
	t.Parallel()
	// Reads at once, and echoes the first MiB in 64 KiB pieces 100 ms
	// apart (1.6 s, over the client's 1 s timeout), the rest at once.
	raw := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		// 5 MiB each way under -race on a loaded machine can take longer
		// than the fixture's usual bound; a write cut by it ends in half
		// a record, which the client reads as "bad record MAC".
		c.SetDeadline(time.Now().Add(time.Minute))
		in := make(chan []byte, 1024)
		go func() {
			defer close(in)
			for {
				b := make([]byte, 32<<10)
				n, err := c.Read(b)
				if n > 0 {
					in <- b[:n]
				}
				if err != nil {
					return
				}
			}
		}()
		// A read gives one TLS record, 16 KiB at most: a piece is made
		// of several, or the first MiB took 6.4 s, not 1.6.
		slow, piece := 1<<20, 0
		for b := range in {
			for len(b) > 0 && slow > 0 {
				k := min(len(b), 64<<10-piece, slow)
				if _, err := c.Write(b[:k]); err != nil {
					return
				}
				b, slow, piece = b[k:], slow-k, piece+k
				if piece == 64<<10 {
					piece = 0
					time.Sleep(100 * time.Millisecond)
				}
			}
			if _, err := c.Write(b); err != nil {
				return
			}
		}
		c.(interface{ CloseWrite() error }).CloseWrite()
	})
	mib := strings.Repeat("x", 1<<20-1) + "\n"
	r := runClient(t, strings.Repeat(mib, 5), "-insecure", "-timeout", "1s", "tls://"+raw)
	r.want(t, exitOK, nil, nil)
	if len(r.stdout) < 5<<20 {
		t.Errorf("stdout has %d bytes, want the 5 MiB echoed", len(r.stdout))
	}
}

// TestClientStdinEchoLonger: an echo of a line with bytes added at its
// end differs, on wss:// as on tls://; a reader cut at the line's length
// would take the line's own bytes for the whole echo.
func TestClientStdinEchoLonger(t *testing.T) {
	t.Parallel()
	longer := serveWS(t, hostileCert(t), func(ws *websocket.Conn) {
		for {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteMessage(mt, append(msg, 'Z'))
		}
	})
	r := runClient(t, "one\n", "-insecure", "-timeout", "5s", longer)
	r.want(t, exitFailure, nil, []string{`echo of line 1 from `, ` differs: sent a text message, got a text one; `})
}

// TestClientStdinAnsweredHTTP: standard input on tls:// to an HTTPS port,
// whose first line is answered in HTTP, is told so, as a MESSAGE is.
func TestClientStdinAnsweredHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	r := runClient(t, "x\n", "-insecure", "tls://"+ta.HTTPSAddr)
	r.want(t, exitFailure, nil, []string{`echo of line 1 from ` + ta.HTTPSAddr + ` differs (at byte 0 of the echo stream): sent "x\n", got "HT"; ` +
		`it answered in HTTP: is it an HTTPS port? (then use wss://` + ta.HTTPSAddr + `/ws)`})
}
