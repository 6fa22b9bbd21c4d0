package ws

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Short intervals keep these tests fast; the margins leave room for the
// race detector on a busy machine.
const (
	testPingInterval = 200 * time.Millisecond
	stayOpen         = 1200 * time.Millisecond // well beyond 2 * testPingInterval
)

// readLoop reads with a gorilla client until an error, counting the pings
// it answers, and sends the error on the returned channel.
func readLoop(c *websocket.Conn, pings *atomic.Int64, msgs chan<- string) <-chan error {
	c.SetPingHandler(func(data string) error {
		pings.Add(1)
		return c.WriteControl(websocket.PongMessage, []byte(data), timeIn(ioWait))
	})
	done := make(chan error, 1)
	go func() {
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				done <- err
				return
			}
			if msgs != nil {
				msgs <- string(msg)
			}
		}
	}()
	return done
}

// TestKeepaliveIdleClient checks that a client that answers pings but says
// nothing is pinged and stays connected well past the ping interval.
func TestKeepaliveIdleClient(t *testing.T) {
	ts := startServer(t, &Server{PingInterval: testPingInterval})
	c, _ := ts.dial(t, nil, nil)
	var pings atomic.Int64
	msgs := make(chan string, 1)
	done := readLoop(c, &pings, msgs)
	select {
	case err := <-done:
		t.Fatalf("connection ended after less than %v: %v", stayOpen, err)
	case <-time.After(stayOpen):
	}
	if n := pings.Load(); n < 2 {
		t.Fatalf("got %d pings in %v, want at least 2 at %v", n, stayOpen, testPingInterval)
	}
	c.SetWriteDeadline(timeIn(ioWait))
	if err := c.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-msgs:
		if msg != "still here" {
			t.Fatalf("echo %q", msg)
		}
	case err := <-done:
		t.Fatalf("no echo after idling: %v", err)
	case <-time.After(ioWait):
		t.Fatal("no echo after idling")
	}
}

// TestKeepaliveActiveClient checks that a client that keeps sending frames
// of its own, but never answers the server, is not dropped: any frame
// shows it is alive.
func TestKeepaliveActiveClient(t *testing.T) {
	tests := []struct {
		name string
		send func(rc *rawConn, i int)
	}{
		{"pings", func(rc *rawConn, i int) {
			rc.write(frame{fin: true, op: opPing, payload: []byte("beat")})
		}},
		{"unsolicited pongs", func(rc *rawConn, i int) {
			rc.write(frame{fin: true, op: opPong, payload: []byte("beat")})
		}},
		{"messages", func(rc *rawConn, i int) {
			rc.write(frame{fin: true, op: opText, payload: []byte("beat")})
		}},
		{"fragments of one slow message", func(rc *rawConn, i int) {
			op := byte(opCont)
			if i == 0 {
				op = opText
			}
			rc.write(frame{op: op, payload: []byte("beat ")})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &Server{PingInterval: testPingInterval})
			rc, _ := ts.dialRaw(t, nil)
			// Drain whatever the server sends so it never blocks; the
			// client answers nothing.
			got := make(chan frame, 100)
			ended := make(chan error, 1)
			go func() {
				for {
					f, err := rc.readFrame()
					if err != nil {
						ended <- err
						return
					}
					select {
					case got <- f:
					default: // never block: the goroutine must end with the test
					}
				}
			}()
			start := time.Now()
			for i := 0; time.Since(start) < stayOpen; i++ {
				tt.send(rc, i)
				select {
				case err := <-ended:
					t.Fatalf("dropped after %v although it sent a frame every %v: %v", time.Since(start).Round(time.Millisecond), testPingInterval/2, err)
				case <-time.After(testPingInterval / 2):
				}
			}
			// Still served: a ping is answered.
			rc.write(frame{fin: true, op: opPing, payload: []byte("end")})
			deadline := time.After(ioWait)
			for {
				select {
				case f := <-got:
					if f.op == opPong && string(f.payload) == "end" {
						rc.write(frame{fin: true, op: opClose, payload: closePayload(1000, "")})
						return
					}
				case err := <-ended:
					t.Fatalf("connection ended: %v", err)
				case <-deadline:
					t.Fatal("no pong")
				}
			}
		})
	}
}

// TestKeepaliveDeadClient checks that a client that never answers the
// server's ping is dropped after about two ping intervals.
func TestKeepaliveDeadClient(t *testing.T) {
	ts := startServer(t, &Server{PingInterval: testPingInterval})
	rc, _ := ts.dialRaw(t, nil)
	start := time.Now()
	pings := 0
	for {
		f, err := rc.readFrame()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("not dropped after %v", ioWait)
			}
			break
		}
		if f.op == opPing {
			pings++
		}
	}
	took := time.Since(start)
	if pings == 0 {
		t.Fatalf("dropped after %v without a ping", took)
	}
	if took < testPingInterval+testPingInterval/2 || took > 2*testPingInterval+time.Second {
		t.Fatalf("dropped after %v, want about %v", took, 2*testPingInterval)
	}
	t.Logf("dropped after %v and %d pings", took.Round(time.Millisecond), pings)
}

// TestIdleTimeout checks that a client that answers pings but sends no
// message is closed with 1000 "idle timeout", and that messages reset the
// timer.
func TestIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	ts := startServer(t, &Server{PingInterval: 100 * time.Millisecond, IdleTimeout: idle})

	t.Run("silent client", func(t *testing.T) {
		c, _ := ts.dial(t, nil, nil)
		start := time.Now()
		var pings atomic.Int64
		var err error
		select {
		case err = <-readLoop(c, &pings, nil):
		case <-time.After(ioWait):
			t.Fatal("not closed")
		}
		took := time.Since(start)
		ce := wantCloseError(t, err, websocket.CloseNormalClosure)
		if !strings.Contains(ce.Text, "idle timeout") {
			t.Errorf("close reason %q, want \"idle timeout\"", ce.Text)
		}
		if pings.Load() == 0 {
			t.Errorf("no ping before the idle close: the keepalive did not run")
		}
		if took < idle-50*time.Millisecond || took > idle+time.Second {
			t.Errorf("closed after %v, want about %v", took, idle)
		}
	})

	t.Run("talking client", func(t *testing.T) {
		c, _ := ts.dial(t, nil, nil)
		start := time.Now()
		for time.Since(start) < 3*idle {
			if _, got := echo(t, c, websocket.TextMessage, []byte("talk")); string(got) != "talk" {
				t.Fatalf("echo %q", got)
			}
			time.Sleep(idle / 3)
		}
	})
}
