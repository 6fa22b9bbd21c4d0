package ws

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/listener"
)

// sendQueue reports the socket's send buffer and what is queued in it,
// as the kernel accounts them (SO_MEMINFO): a write that needs more room
// blocks once queued reaches sndbuf.
func sendQueue(t *testing.T, tc *net.TCPConn) (sndbuf, queued uint32) {
	t.Helper()
	rc, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var mi [unix.SK_MEMINFO_VARS]uint32
	var serr error
	err = rc.Control(func(fd uintptr) {
		n := uint32(unsafe.Sizeof(mi))
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&mi[0])), uintptr(unsafe.Pointer(&n)), 0)
		if e != 0 {
			serr = e
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		t.Fatalf("SO_MEMINFO: %v", err)
	}
	return mi[unix.SK_MEMINFO_SNDBUF], mi[unix.SK_MEMINFO_WMEM_QUEUED]
}

// TestKeepaliveDeadClientFullBuffer: a client that stops answering and
// reading once its receive window and the server's send buffer are full
// is dropped as one that reads: two ping intervals after its last
// frame, the close 1008 taking at most half a second to go out and as
// long for an answer, not the write timeout of a frame it will never
// take nor IdleTimeout. The close frame is behind the echoes when it
// reads at last.
func TestKeepaliveDeadClientFullBuffer(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		dropped := make(chan struct{}, 1)
		opened, closed := make(chan *Conn, 1), make(chan int, 1)
		s := &Server{
			// The fill below keeps the client alive only by its pace: a
			// second between two of its messages (a ping after an
			// interval of silence, then an interval unanswered) had it
			// dropped before its time. Under -race on a two-core machine
			// at a load of 30, one fill took 57 s, 130 ms an echo, and
			// failed so; answerPingInterval doubles that room.
			PingInterval: answerPingInterval,
			// Far beyond the bounds below: a drop by the idle rule, or by a
			// stuck write, would fail the test.
			IdleTimeout: time.Minute,
			Logger:      slog.New(&eventHandler{msg: "websocket client dropped", seen: dropped}),
			Hooks: &Hooks{
				Opened: func(c *Conn) { opened <- c },
				Closed: func(c *Conn) { closed <- c.CloseCode() },
			},
		}
		ts := serve(t, s, nil)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		var sc *Conn
		select {
		case sc = <-opened:
		case <-time.After(ioWait):
			t.Fatal("the server did not open the connection")
		}
		tc, ok := listener.From(sc.nc.Conn).NetConn().(*net.TCPConn)
		if !ok {
			t.Fatalf("the server's socket is a %T", listener.From(sc.nc.Conn).NetConn())
		}
		// A small send buffer fills with a few hundred echoes.
		if err := tc.SetWriteBuffer(8 << 10); err != nil {
			t.Fatal(err)
		}
		// One-byte messages, each sent once the echo of the one before has
		// been written whole, until the server's send buffer is full: the
		// echoes are small writes, and the kernel takes each whole as long
		// as the buffer is not full when it starts.
		//
		// Each echo has ioWait of its own: a few hundred of them once took a
		// loaded two-core machine under -race longer than a bound shared by
		// all, and the test failed with the buffer filling as it should. The
		// count bounds the whole: 8 KiB holds far fewer echoes.
		const most = 10000
		writes := sc.nc.writes.Load()
		var last time.Time
		for n := 0; ; n++ {
			if n == most {
				t.Fatalf("the server's send buffer not full after %d echoes", n)
			}
			if sndbuf, queued := sendQueue(t, tc); queued >= sndbuf {
				t.Logf("send buffer full after %d echoes: %d bytes queued, %d the buffer", n, queued, sndbuf)
				break
			}
			c.SetWriteDeadline(time.Now().Add(ioWait))
			if err := c.WriteMessage(websocket.BinaryMessage, []byte{byte(n)}); err != nil {
				t.Fatal(err)
			}
			last = time.Now()
			deadline := last.Add(ioWait)
			for w := sc.nc.writes.Load(); w&1 == 1 || w < writes+2; w = sc.nc.writes.Load() {
				if len(dropped) > 0 {
					t.Fatalf("dropped while filling the send buffer, after %d echoes: the client was silent for an interval", n)
				}
				if time.Now().After(deadline) {
					t.Fatalf("echo %d not written within %v: the send buffer was not full before it", n, ioWait)
				}
				time.Sleep(time.Millisecond)
			}
			writes = sc.nc.writes.Load()
		}
		// From here the client sends and reads nothing.
		var at time.Time
		select {
		case <-dropped:
			at = time.Now()
		case <-time.After(2*answerPingInterval + ioWait):
			t.Fatalf("not dropped %v after its last message", time.Since(last).Round(time.Millisecond))
		}
		var code int
		select {
		case code = <-closed:
			took := time.Since(at)
			t.Logf("dropped %v after the last message, closed %v later", at.Sub(last).Round(time.Millisecond), took.Round(time.Millisecond))
			// Two dropWaits, with room for a loaded machine; a write timeout
			// (writeWait, or crypto/tls's 5 s for close_notify) is beyond it.
			if took > 2*dropWait+2*time.Second {
				t.Errorf("closed %v after the drop began, want within %v and some room", took.Round(time.Millisecond), 2*dropWait)
			}
		case <-time.After(2 * ioWait):
			t.Fatalf("not closed %v after the drop began", 2*ioWait)
		}
		// When the client reads at last, every echo is there, then the close
		// that says why: or, when the kernel had no room even for the ping
		// (which it usually finds for a few bytes), the end of the
		// connection, since a TLS stream whose write failed can carry nothing
		// more, a close frame included. The close code counted is the one
		// the client got: 1008, or 0 for none.
		wantCode := websocket.ClosePolicyViolation
		defer func() {
			if code != wantCode {
				t.Errorf("close code %d, want %d", code, wantCode)
			}
		}()
		c.SetPingHandler(func(string) error { return nil })
		c.SetReadDeadline(time.Now().Add(ioWait))
		for n := 0; ; n++ {
			_, _, err := c.ReadMessage()
			if err == nil {
				continue
			}
			var ce *websocket.CloseError
			// gorilla reports the connection's end without a close frame as
			// close 1006, which no endpoint sends.
			if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				if ce.Code != websocket.ClosePolicyViolation {
					t.Errorf("close %d %q, want %d", ce.Code, ce.Text, websocket.ClosePolicyViolation)
				}
				if want := "no pong within " + answerPingInterval.String(); ce.Text != want {
					t.Errorf("close reason %q, want %q", ce.Text, want)
				}
			} else if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("after %d echoes the connection neither closed nor ended within %v", n, ioWait)
			} else {
				t.Logf("after %d echoes the connection ended without a close frame (%v): the ping itself found no room", n, err)
				wantCode = 0
			}
			break
		}
	})
}
