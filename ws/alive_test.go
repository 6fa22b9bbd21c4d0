package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// livePingInterval is short so the liveness tests are quick; the bounds
// they assert leave seconds for a loaded machine.
const livePingInterval = 200 * time.Millisecond

// TestTrickledFrameDropped: a client that sends the header of a
// 1000-byte frame and then one byte every 20 ms cannot answer a ping
// until the frame is complete (50 s away), so it is dropped about two
// ping intervals after its last complete frame, however steadily its
// bytes come.
func TestTrickledFrameDropped(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{PingInterval: livePingInterval}, nil)
		wire := frame{fin: true, op: opBinary, payload: bytes.Repeat([]byte("t"), 1000)}.encode()
		// The clock starts before the server's, so a drop before two
		// intervals is a server bug.
		start := time.Now()
		rc, _ := ts.dialRaw(t, nil)
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(wire[:8]); err != nil { // header, mask and 2 bytes
			t.Fatal(err)
		}
		ended := rc.framesUntilEnd()
		trickle := time.NewTicker(20 * time.Millisecond) // the client's pace
		defer trickle.Stop()
		for i := 8; ; i++ {
			select {
			case err := <-ended:
				took := time.Since(start)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("still connected after %v", took)
				}
				// Up to 6 s late: a loaded machine's timers fire late (4.4 s
				// was seen beside other work); a client the trickle kept
				// would last until its frame ended, 50 s in.
				if took < 2*livePingInterval || took > 2*livePingInterval+6*time.Second {
					t.Fatalf("dropped after %v, want about %v", took, 2*livePingInterval)
				}
				t.Logf("dropped after %v, %d of %d bytes sent", took.Round(time.Millisecond), i, len(wire))
				return
			case <-trickle.C:
			}
			// A write that fails shows the drop too; the read reports it.
			rc.conn.Write(wire[i : i+1])
		}
	})
}

// TestSlowLargeFrameEchoed: a maximum-size message sent as one 1 MiB
// frame at 100 KiB/s takes ten seconds, twenty ping intervals, during which
// the client cannot answer a ping; it arrives at a sane rate, so it is
// echoed whole. The echo's writes of its pieces put the deadline off
// too: the allowance for the frame alone is on trial in
// TestFrameAllowanceSaneRate, where the server writes nothing meanwhile.
func TestSlowLargeFrameEchoed(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ten seconds")
	}
	t.Parallel()
	msg := binaryOfSize(DefaultMaxMessageBytes)
	wire := frame{fin: true, op: opBinary, payload: msg}.encode()
	// Until the server has read the frame's first bytes the client is
	// silent, rightly dropped two intervals after the upgrade. At
	// livePingInterval that left 400ms for the client to read the 101 and
	// write, and for the server to read what it wrote: a loaded two-core
	// machine under -race once took longer, and the frame was cut off
	// after 20 KiB. The frame, not that start, is on trial.
	opened := make(chan time.Time, 1)
	ts := startServer(t, &Server{PingInterval: testPingInterval,
		Hooks: &Hooks{Opened: func(*Conn) { opened <- time.Now() }}})
	// Even at testPingInterval a loaded machine under -race once kept
	// the client from its first bytes for two intervals, and the server
	// rightly dropped it: such a run is tried again.
	notLate(t, testPingInterval, func() (time.Duration, error) {
		rc, _ := ts.dialRaw(t, nil)
		defer rc.conn.Close()
		since := openedAt(t, opened)
		// Only the start counts: inside the frame the client has a
		// minute.
		late := time.Since(since)
		if _, err := rc.writePaced(since, wire, 10<<10, 100*time.Millisecond); err != nil { // 100 KiB/s
			return late, err
		}
		// The server has pinged meanwhile; skip those to the echo.
		got := rc.mustEcho(false)
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs from the %d sent", len(got), len(msg))
		}
		return late, nil
	})
}

// TestPingsAreTraffic: a client that sends only pings, for longer than the
// idle timeout, is traffic and stays connected.
func TestPingsAreTraffic(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const idle = time.Second
		// The keepalive drops a client silent for about two ping intervals;
		// at testPingInterval that is five of the client's beats, so only the
		// idle timeout is on trial, even when a loaded machine delays a beat
		// (at livePingInterval two beats were once too few).
		opened := make(chan time.Time, 1)
		ts := serve(t, &Server{PingInterval: testPingInterval, IdleTimeout: idle,
			Hooks: &Hooks{Opened: func(*Conn) { opened <- time.Now() }}}, nil)
		// The server's idle clock starts at the upgrade, and a loaded
		// two-core machine under -race once kept the client from its first
		// ping, after reading the 101, for longer than IdleTimeout: the
		// server rightly closed it as idle. Such a run says nothing about
		// pings, so another connection tries again.
		for attempt := 1; ; attempt++ {
			late, err := pingOnly(t, ts, idle, opened)
			if err == nil {
				return
			}
			if late < idle/2 {
				t.Fatal(err)
			}
			if attempt == 3 {
				t.Fatalf("%v; the client was %v late each time", err, late.Round(time.Millisecond))
			}
			t.Logf("%v, the client %v late: again", err, late.Round(time.Millisecond))
		}
	})
}

// pingOnly dials and sends only pings, every idle/5, for twice idle
// from the server's opening of the connection, whose time comes on
// opened. It returns the
// longest the client went without sending from opened on, and an error
// when the connection did not stay open or no ping was answered.
func pingOnly(t *testing.T, ts *testServer, idle time.Duration, opened <-chan time.Time) (time.Duration, error) {
	rc, _ := ts.dialRaw(t, nil)
	defer rc.conn.Close()
	var last time.Time
	select {
	case last = <-opened:
	case <-time.After(ioWait):
		t.Fatal("the server did not open the connection")
	}
	ended := make(chan error, 1)
	pongs := make(chan struct{}, 100)
	go func() {
		for {
			f, err := rc.readFrame()
			if err != nil {
				ended <- err
				return
			}
			if f.op == opPong {
				pongs <- struct{}{}
			}
			if f.op == opClose {
				ended <- errors.New("server sent close")
				return
			}
		}
	}()
	beat := time.NewTicker(idle / 5) // the client's pace
	defer beat.Stop()
	var late time.Duration
	for start := time.Now(); time.Since(start) < 2*idle; {
		late = max(late, time.Since(last))
		last = time.Now()
		// A failed write is returned as a close is: a server that closed
		// a late client reaches its next ping as a reset first, and the
		// caller tells such a client from a server bug.
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(frame{fin: true, op: opPing, payload: []byte("here")}.encode()); err != nil {
			return late, fmt.Errorf("ping failed after %v of pings every %v: %w", time.Since(start).Round(time.Millisecond), idle/5, err)
		}
		select {
		case err := <-ended:
			return late, fmt.Errorf("closed after %v of pings every %v: %w", time.Since(start).Round(time.Millisecond), idle/5, err)
		case <-beat.C:
		}
	}
	if len(pongs) == 0 {
		return late, errors.New("no ping was answered")
	}
	rc.write(frame{fin: true, op: opClose, payload: closePayload(1000, "")})
	return late, nil
}

// TestKeepaliveSurvivesFailedPing: while the handler's echo is blocked on
// a client that does not read, a ping cannot go out; once the client reads
// again, the keepalive goes on pinging it.
func TestKeepaliveSurvivesFailedPing(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		notSent := make(chan struct{}, 1)
		logger := slog.New(&eventHandler{msg: "ping not sent", seen: notSent})
		const messages = 8
		msg := binaryOfSize(1 << 20)
		// The client must answer pings in time under load: twice
		// testPingInterval, as its reader competes with 1 MiB echoes (a ping
		// that fails here does so because a write holds the lock, however
		// long the interval).
		ts := serve(t, &Server{PingInterval: 2 * testPingInterval, Logger: logger}, nil)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		// No write deadline: a message's write ends only once the client
		// reads again, after the failed ping, and eight megabytes masked,
		// echoed and read back under -race on a loaded two-core machine once
		// took longer than one. The waits for the echoes below bound the
		// test, and the client's close at its end ends a write still stuck.
		written := make(chan error, 1)
		go func() {
			for range messages {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					written <- err
					return
				}
			}
			written <- nil
		}()
		select {
		case <-notSent:
		case <-time.After(4 * ioWait):
			t.Fatal("no ping failed while the client did not read")
		}

		var pings atomic.Int64
		pinged := make(chan struct{}, 1)
		msgs := make(chan string, messages)
		done := readLoop(c, &pings, pinged, msgs)
		for i := range messages {
			select {
			case m := <-msgs:
				if m != string(msg) {
					t.Fatalf("echo %d differs", i)
				}
			case err := <-done:
				t.Fatalf("connection ended after %d echoes: %v", i, err)
			case <-time.After(4 * ioWait):
				t.Fatalf("echo %d missing", i)
			}
		}
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		before := pings.Load()
		for pings.Load() < before+2 {
			select {
			case <-pinged:
			case err := <-done:
				t.Fatalf("connection ended: %v", err)
			case <-time.After(ioWait):
				t.Fatalf("%d pings after the failed one, want 2", pings.Load()-before)
			}
		}
	})
}

// TestShutdownNotReadingClients: clients that send large messages and
// never read keep every echo handler blocked in a write, holding its
// writer; Shutdown still ends when its context does, with every socket
// closed, and says the drain ran out of time. With lateTimer, ctx's
// Done fires after its deadline, as on a loaded machine where the close
// frames' write deadline (the same instant) ends every connection first.
func TestShutdownNotReadingClients(t *testing.T) {
	t.Parallel()
	for _, late := range []time.Duration{0, lateTimer} {
		t.Run(fmt.Sprintf("late=%v", late), func(t *testing.T) {
			t.Parallel()
			shutdownNotReading(t, late)
		})
	}
}

// lateTimer is how late a deadline's timer fires in the late case of
// TestShutdownNotReadingClients.
const lateTimer = 300 * time.Millisecond

// lateContext has deadline by, while its Done, from the embedded
// Context, fires later.
type lateContext struct {
	context.Context
	by time.Time
}

func (c lateContext) Deadline() (time.Time, bool) { return c.by, true }

func shutdownNotReading(t *testing.T, late time.Duration) {
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s := &Server{}
		ts := serve(t, s, nil)
		const clients = 6
		msg := binaryOfSize(1 << 20)
		// Every client connects before any sends: the dials once competed
		// with the earlier clients masking megabytes under -race on a loaded
		// two-core machine, and one timed out.
		var conns []*websocket.Conn
		for range clients {
			c, _ := ts.dial(t, smallWindowDialer(ts), nil)
			conns = append(conns, c)
		}
		for _, c := range conns {
			go func() {
				for c.WriteMessage(websocket.BinaryMessage, msg) == nil {
				}
			}()
		}
		// Every handler is writing an echo no client reads.
		waitAllWriting(t, s, clients, "the handlers never all wrote")

		const budget = time.Second
		start := time.Now()
		timer, cancel := context.WithTimeout(context.Background(), budget+late)
		defer cancel()
		var ctx context.Context = lateContext{timer, start.Add(budget)}
		result := make(chan error, 1)
		go func() { result <- s.Shutdown(ctx) }()
		select {
		case err := <-result:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown = %v, want %v", err, context.DeadlineExceeded)
			}
		case <-time.After(budget + late + ioWait):
			t.Fatalf("Shutdown still running %v after its %v budget", late+ioWait, budget)
		}
		if took := time.Since(start); took > budget+late+2*time.Second {
			t.Errorf("Shutdown took %v with a %v budget", took, budget)
		}
		for i, c := range conns {
			if !closedByServer(c) {
				t.Errorf("client %d: connection still open after Shutdown", i)
			}
		}
		if n := s.Active(); n != 0 {
			t.Errorf("Active() = %d after Shutdown", n)
		}
	})
}

// TestNotReadingClientDropped: a client that keeps sending large messages
// and never reads leaves the echo blocked in a write, and the reader with
// it, so no frame arrives either. The write not taken for IdleTimeout
// drops the connection: being silent meanwhile must not instead be taken
// for idleness, whose close frame cannot get past the blocked writer.
func TestNotReadingClientDropped(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		// Long enough that the client, masking a 1 MiB message under -race on
		// a loaded machine, has begun sending before it passes: a client that
		// sends nothing for IdleTimeout is rightly closed as idle.
		const idle = 2 * time.Second
		s := &Server{IdleTimeout: idle, PingInterval: idle / 2}
		ts := serve(t, s, nil)
		// Made before the dial: 1 MiB of pseudo-random bytes takes 200ms of
		// CPU under -race, seconds on a loaded machine, and the server's
		// clock runs from the upgrade.
		msg := binaryOfSize(1 << 20)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		go func() {
			for c.WriteMessage(websocket.BinaryMessage, msg) == nil {
			}
		}()
		waitAllWriting(t, s, 1, "the handler never wrote")
		start := time.Now()
		for s.Active() != 0 {
			if time.Since(start) > idle+ioWait {
				t.Fatalf("a client that never reads still connected %v after its echo blocked (IdleTimeout %v)", time.Since(start).Round(time.Millisecond), idle)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if !closedByServer(c) {
			t.Error("the client's connection is still open")
		}
	})
}

// closedByServer reads c's socket, discarding, until it ends, and reports
// whether it ended before ioWait: the server closed it.
func closedByServer(c *websocket.Conn) bool {
	nc := c.NetConn()
	nc.SetReadDeadline(time.Now().Add(ioWait))
	var err error
	for err == nil {
		_, err = nc.Read(make([]byte, 64<<10))
	}
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// waitAllWriting waits until n connections are served and each has a
// write in progress, failing the test with what after 4 ioWaits.
func waitAllWriting(t *testing.T, s *Server, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(4 * ioWait)
	for !s.allWriting(n) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// allWriting reports whether n connections are served and each has a
// write in progress.
func (s *Server) allWriting(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) != n {
		return false
	}
	for c := range s.conns {
		if c.nc.writes.Load()&1 == 0 {
			return false
		}
	}
	return true
}

// smallWindowDialer is a gorilla client whose socket has a small receive
// buffer, so a server writing to it while it does not read blocks soon.
func smallWindowDialer(ts *testServer) *websocket.Dialer {
	d := ts.dialer()
	d.NetDialContext = smallReceiveBuffer(4 << 10).DialContext
	return d
}

// smallReceiveBuffer is a dialer whose sockets have a receive buffer of
// size bytes, set before the connection so that the window the client
// offers stays that small.
func smallReceiveBuffer(size int) *net.Dialer {
	return &net.Dialer{Timeout: ioWait, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// eventHandler is a slog.Handler that signals each record with message
// msg on seen, without blocking.
type eventHandler struct {
	msg  string
	seen chan<- struct{}
}

func (h *eventHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *eventHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *eventHandler) WithGroup(string) slog.Handler            { return h }

func (h *eventHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.seen <- struct{}{}:
		default:
		}
	}
	return nil
}

// TestArrivingFrameIsTraffic: a frame that takes longer than IdleTimeout
// to arrive, its bytes coming all along, is traffic: the connection is
// not closed as idle before the frame completes, and it is echoed.
func TestArrivingFrameIsTraffic(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		// The client must get its first bytes, and each piece after, to the
		// server within IdleTimeout: at 500ms a loaded two-core machine under
		// -race once took longer to start, and the server rightly closed the
		// connection as idle before the frame began.
		const idle = time.Second
		msg := binaryOfSize(30 << 10)
		wire := frame{fin: true, op: opBinary, payload: msg}.encode()
		opened := make(chan time.Time, 1)
		ts := serve(t, &Server{IdleTimeout: idle, PingInterval: 4 * idle, // checks every IdleTimeout
			Hooks: &Hooks{Opened: func(*Conn) { opened <- time.Now() }}}, nil)
		// Even at a second, a loaded machine once held the client back
		// longer between two pieces, and the server rightly closed it as
		// idle (a reset under the next write): such a run is tried again.
		notLate(t, idle/2, func() (time.Duration, error) {
			rc, _ := ts.dialRaw(t, nil)
			defer rc.conn.Close()
			late, err := rc.writePaced(openedAt(t, opened), wire, 1<<10, idle/10) // three IdleTimeouts in all
			if err != nil {
				return late, err
			}
			// A loaded machine can stretch the frame past the ping interval:
			// the server then pings, rightly, before or inside its echo; skip
			// those.
			var op byte
			var got []byte
			for {
				f := rc.mustFrame()
				if f.op == opPing {
					continue
				}
				if op == 0 {
					op = f.op
				} else if f.op != opCont {
					t.Fatalf("got %v inside the echo, want continuation", f)
				}
				got = append(got, f.payload...)
				if f.fin {
					break
				}
			}
			if op != opBinary || !bytes.Equal(got, msg) {
				t.Fatalf("echo op %#x, %d bytes; want the %d sent", op, len(got), len(msg))
			}
			return late, nil
		})
	})
}

// writePaced writes wire in pieces of piece bytes, one every every: a
// client sending at its own pace. It returns the first failed write, and
// the longest the client went without writing from since (the server's
// opening of the connection) until then: a client that a loaded machine
// held back that long may rightly have been closed meanwhile.
func (rc *rawConn) writePaced(since time.Time, wire []byte, piece int, every time.Duration) (late time.Duration, err error) {
	rc.tb.Helper()
	pace := time.NewTicker(every)
	defer pace.Stop()
	last := since
	for off := 0; off < len(wire); off += piece {
		late, last = max(late, time.Since(last)), time.Now()
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(wire[off:min(off+piece, len(wire))]); err != nil {
			return late, fmt.Errorf("write at %d of %d bytes: %w", off, len(wire), err)
		}
		<-pace.C
	}
	return late, nil
}

// openedAt waits for the time the server opened a connection, sent on
// opened by Hooks.Opened.
func openedAt(t *testing.T, opened <-chan time.Time) time.Time {
	t.Helper()
	select {
	case at := <-opened:
		return at
	case <-time.After(ioWait):
		t.Fatal("the server did not open the connection")
		return time.Time{}
	}
}

// notLate runs try, on a new connection each time, until it succeeds;
// it fails the test when try fails after a client that never went limit
// without sending, or three times in a row after a late one.
func notLate(t *testing.T, limit time.Duration, try func() (late time.Duration, err error)) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		late, err := try()
		switch {
		case err == nil:
			return
		case late < limit:
			t.Fatal(err)
		case attempt == 3:
			t.Fatalf("%v; the client was %v late each time", err, late.Round(time.Millisecond))
		}
		t.Logf("%v, the client %v late: again", err, late.Round(time.Millisecond))
	}
}
