package ws

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// testPingInterval is short to keep these tests fast, and long enough
// that a client answering a ping late because the machine is busy (the
// race detector, other packages compiling) is not taken for a dead one:
// a client has one interval to answer.
const testPingInterval = 500 * time.Millisecond

// answerPingInterval is the ping interval of a test whose client must
// answer each ping (or send the frame the test is about) within one
// interval to pass. The answer takes the ping's way to the client's
// reader, the client's write and the server's read of it, each a
// goroutine to schedule: a loaded two-core machine running the package
// under -race took over 300 ms for that, and a client at
// testPingInterval was now and then dropped with 1008 "no pong within
// 500ms" although it answered every ping. Twice testPingInterval, as
// TestKeepaliveSurvivesFailedPing has for the same reason.
const answerPingInterval = 2 * testPingInterval

// readLoop reads with a gorilla client until an error, answering and
// counting pings; each ping is also signalled on pinged (without blocking)
// when it is not nil, and each message sent on msgs when it is not nil.
// The error ends up on the returned channel.
func readLoop(c *websocket.Conn, pings *atomic.Int64, pinged chan<- struct{}, msgs chan<- string) <-chan error {
	c.SetPingHandler(func(data string) error {
		pings.Add(1)
		if pinged != nil {
			select {
			case pinged <- struct{}{}:
			default:
			}
		}
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
// nothing is pinged and stays connected well past the point where a client
// that did not answer is dropped (two intervals).
func TestKeepaliveIdleClient(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const wantPings = 4
		ts := serve(t, &Server{PingInterval: answerPingInterval}, nil)
		c, _ := ts.dial(t, nil, nil)
		var pings atomic.Int64
		pinged := make(chan struct{}, 1)
		msgs := make(chan string, 1)
		done := readLoop(c, &pings, pinged, msgs)
		// Each ping comes after an interval of silence, so the connection has
		// lived wantPings intervals once the last one arrived.
		deadline := time.After(wantPings*answerPingInterval + ioWait)
		for pings.Load() < wantPings {
			select {
			case <-pinged:
			case err := <-done:
				t.Fatalf("connection ended after %d pings: %v", pings.Load(), err)
			case <-deadline:
				t.Fatalf("got %d pings, want %d at %v", pings.Load(), wantPings, answerPingInterval)
			}
		}
		echoVia(t, c, msgs, done, "still here")
	})
}

// echoVia sends msg and waits for its echo from a readLoop's msgs, failing
// if the connection ends first.
func echoVia(t *testing.T, c *websocket.Conn, msgs <-chan string, done <-chan error, msg string) {
	t.Helper()
	c.SetWriteDeadline(timeIn(ioWait))
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-msgs:
		if got != msg {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	case err := <-done:
		t.Fatalf("no echo of %q: %v", msg, err)
	case <-time.After(ioWait):
		t.Fatalf("no echo of %q within %v", msg, ioWait)
	}
}

// TestKeepaliveActiveClient checks that a client that keeps sending frames
// of its own, but never answers the server, is not dropped: any frame
// shows it is alive.
func TestKeepaliveActiveClient(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		// Well beyond the two intervals after which a silent client is
		// dropped. The server must see one of the client's frames within
		// an interval of its ping: answerPingInterval, for in a run of
		// the whole suite beside others two of these clients were dropped
		// at testPingInterval though they sent a frame every 250 ms.
		const stayOpen = 3 * answerPingInterval
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
				t.Parallel()
				ts := serve(t, &Server{PingInterval: answerPingInterval}, nil)
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
				// A frame every half interval: the client's pace, not a wait
				// for an event.
				beat := time.NewTicker(answerPingInterval / 2)
				defer beat.Stop()
				start := time.Now()
				for i := 0; time.Since(start) < stayOpen; i++ {
					tt.send(rc, i)
					select {
					case err := <-ended:
						t.Fatalf("dropped after %v although it sent a frame every %v: %v", time.Since(start).Round(time.Millisecond), answerPingInterval/2, err)
					case <-beat.C:
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
	})
}

// TestKeepaliveDeadClient checks that a client that never answers the
// server's ping is dropped after about two ping intervals.
func TestKeepaliveDeadClient(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{PingInterval: testPingInterval}, nil)
		// The clock starts before the upgrade, so before the server's: a drop
		// earlier than two intervals is a server bug.
		start := time.Now()
		rc, _ := ts.dialRaw(t, nil)
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
		// The upper bound tells the ping interval from the 30s default, with
		// seconds of room for a loaded machine.
		if took < 2*testPingInterval || took > 2*testPingInterval+3*time.Second {
			t.Fatalf("dropped after %v, want about %v", took, 2*testPingInterval)
		}
		t.Logf("dropped after %v and %d pings", took.Round(time.Millisecond), pings)
	})
}

// TestKeepaliveDeadClientTold: a client that is alive and reading but
// does not answer pings gets close 1008 with the reason before the drop
// (RFC 6455 section 7.1.7), not a bare end of the connection (1006), and
// no later than a client that says nothing.
func TestKeepaliveDeadClientTold(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{PingInterval: testPingInterval}, nil)
		start := time.Now()
		c, _ := ts.dial(t, nil, nil)
		var pings atomic.Int64
		c.SetPingHandler(func(string) error { pings.Add(1); return nil })
		ended := make(chan error, 1)
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					ended <- err
					return
				}
			}
		}()
		var err error
		select {
		case err = <-ended:
		case <-time.After(2*testPingInterval + ioWait):
			t.Fatal("not dropped")
		}
		took := time.Since(start)
		ce := wantCloseError(t, err, websocket.ClosePolicyViolation)
		if want := "no pong within " + testPingInterval.String(); ce.Text != want {
			t.Errorf("close reason %q, want %q", ce.Text, want)
		}
		if pings.Load() == 0 {
			t.Errorf("closed after %v without a ping", took)
		}
		if took < 2*testPingInterval || took > 2*testPingInterval+3*time.Second {
			t.Errorf("closed after %v, want about %v", took, 2*testPingInterval)
		}
	})
}

// TestKeepaliveDeadClientNotReading: a client that reads nothing at all
// is dropped as soon as one that reads, and its close frame is waiting
// for it in the socket when it looks.
func TestKeepaliveDeadClientNotReading(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		closed := make(chan int, 1)
		ts := serve(t, &Server{
			PingInterval: testPingInterval,
			Hooks:        &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
		}, nil)
		start := time.Now()
		rc, _ := ts.dialRaw(t, nil)
		select {
		case code := <-closed:
			took := time.Since(start)
			if code != websocket.ClosePolicyViolation {
				t.Errorf("close code %d, want %d", code, websocket.ClosePolicyViolation)
			}
			if took < 2*testPingInterval || took > 2*testPingInterval+3*time.Second {
				t.Errorf("dropped after %v, want about %v", took, 2*testPingInterval)
			}
		case <-time.After(2*testPingInterval + ioWait):
			t.Fatal("not dropped")
		}
		if code, reason := rc.readClose(); code != websocket.ClosePolicyViolation || !strings.HasPrefix(reason, "no pong within") {
			t.Errorf("close %d %q, want %d \"no pong within ...\"", code, reason, websocket.ClosePolicyViolation)
		}
		if f, err := rc.readFrame(); err == nil {
			t.Errorf("%v after the close, want the end of the connection", f)
		}
	})
}

// TestIdleTimeout checks that a client that answers pings but sends no
// message is closed with 1000 "idle timeout", and that messages reset the
// timer.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		// Pings come more often than the idle timeout, so the keepalive runs
		// while the client idles.
		// Four ping intervals: room, on a loaded machine, for the talking
		// client's answer to come before the idle timeout.
		const idle = 4 * testPingInterval
		ts := serve(t, &Server{PingInterval: testPingInterval, IdleTimeout: idle}, nil)

		t.Run("silent client", func(t *testing.T) {
			// The clock starts before the server's, at the upgrade.
			start := time.Now()
			c, _ := ts.dial(t, nil, nil)
			var pings atomic.Int64
			var err error
			select {
			case err = <-readLoop(c, &pings, nil, nil):
			case <-time.After(idle + ioWait):
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
			// The upper bound tells IdleTimeout from the 5m default, with room
			// for a loaded machine.
			if took < idle || took > idle+ioWait {
				t.Errorf("closed after %v, want about %v", took, idle)
			}
		})

		t.Run("talking client", func(t *testing.T) {
			// The client says something whenever the server pings it, that is
			// after each interval of silence, for longer than the idle
			// timeout: each message must reset the timer.
			start := time.Now()
			c, _ := ts.dial(t, nil, nil)
			var pings atomic.Int64
			pinged := make(chan struct{}, 1)
			msgs := make(chan string, 1)
			done := readLoop(c, &pings, pinged, msgs)
			for i := 0; time.Since(start) < idle+testPingInterval; i++ {
				select {
				case <-pinged:
				case err := <-done:
					t.Fatalf("closed after %v and %d messages: %v", time.Since(start).Round(time.Millisecond), i, err)
				case <-time.After(ioWait):
					t.Fatalf("no ping within %v", ioWait)
				}
				echoVia(t, c, msgs, done, "talk")
			}
		})
	})
}

// TestIdleTimeoutBelowPingInterval: IdleTimeout holds also when it is
// shorter than PingInterval (TLSECHO_IDLE_TIMEOUT=10s with the default
// 30s pings): a silent client is closed about IdleTimeout after its last
// frame, not at the keepalive's next look a quarter ping interval later.
func TestIdleTimeoutBelowPingInterval(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const idle = 300 * time.Millisecond
		ts := serve(t, &Server{PingInterval: time.Minute, IdleTimeout: idle}, nil)
		start := time.Now()
		c, _ := ts.dial(t, nil, nil)
		var pings atomic.Int64
		var err error
		select {
		case err = <-readLoop(c, &pings, nil, nil):
		case <-time.After(idle + ioWait):
			t.Fatalf("not closed %v after the dial, with IdleTimeout %v", idle+ioWait, idle)
		}
		ce := wantCloseError(t, err, websocket.CloseNormalClosure)
		if !strings.Contains(ce.Text, "idle timeout") {
			t.Errorf("close reason %q, want \"idle timeout\"", ce.Text)
		}
		if took := time.Since(start); took < idle {
			t.Errorf("closed after %v, before IdleTimeout %v", took, idle)
		}
	})
}
