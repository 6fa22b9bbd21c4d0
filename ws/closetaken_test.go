package ws

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// notTakenBound is how soon after the server decides to close a
// connection whose client reads nothing the connection must be gone: the
// close frame's wait of listener.TakeWait without progress, seen at most
// listener.TakeLook late, and room for a loaded machine; below writeWait,
// which bounded the frame before and left the handler blocked after it.
const notTakenBound = listener.TakeWait + listener.TakeLook + 3*time.Second

// closingServer is a server for the tests of a close the server starts
// while its echo is blocked writing: faults from in (nil for none), an
// IdleTimeout far beyond the tests' bounds (the stuck write's own rule
// must not be what ends the connection), a send buffer of sndbuf bytes,
// fixed (the kernel's tuning would otherwise grow it, and the blocked
// write would go on now and then), and each connection's close code sent
// on closed as it ends.
func closingServer(in *fault.Injector, sndbuf int) (s *Server, closed chan int) {
	closed = make(chan int, 1)
	s = &Server{
		Faults:      in,
		IdleTimeout: time.Minute,
		Hooks: &Hooks{
			Opened: func(c *Conn) {
				if tc, ok := bottom(c.nc.Conn).(*net.TCPConn); ok {
					tc.SetWriteBuffer(sndbuf)
				}
			},
			Closed: func(c *Conn) { closed <- c.CloseCode() },
		},
	}
	return s, closed
}

// TestServerCloseNotTaken: a close the server starts (a close fault, a
// shutdown) to a client that reads nothing, its window full and the echo
// blocked writing to it, ends the connection within notTakenBound: the
// close frame, which no byte of can reach the client, is given up and the
// socket closed. It used to wait writeWait for the writer and then leave
// the connection open, the echo blocked in its write, until IdleTimeout
// (or the shutdown's budget) ran out.
func TestServerCloseNotTaken(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tc := range []struct {
			name     string
			query    string
			shutdown bool
			// after is when the close begins, from the dial: a timed
			// close fault's time; the code it sends, if its frame got out.
			after time.Duration
			code  int
		}{
			{name: "shutdown", shutdown: true, code: websocket.CloseGoingAway},
			{name: "shutdown with faults", query: "?fault=delay:1ms", shutdown: true, code: websocket.CloseGoingAway},
			// The fault fires while the echo is blocked: it used to wait
			// for that write, until IdleTimeout's stuck-write rule.
			{name: "close fault", query: "?fault=close:4001@1s", after: time.Second, code: 4001},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				in, err := fault.New(fault.Options{})
				if err != nil {
					t.Fatal(err)
				}
				s, closed := closingServer(in, 8<<10)
				// The client's Dial returns as the 101 arrives, before the
				// server tracks the connection: until Opened, Active is 0
				// as it is once the connection has ended, and a shutdown
				// begun then would find no connection to close.
				opened := make(chan struct{})
				open := s.Hooks.Opened
				s.Hooks.Opened = func(c *Conn) {
					open(c)
					close(opened)
				}
				ts := serve(t, s, nil)
				msg := binaryOfSize(1 << 20)
				dialed := time.Now()
				c, _, err := smallWindowDialer(ts).Dial(ts.url+tc.query, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				select {
				case <-opened:
				case <-time.After(4 * ioWait):
					t.Fatal("the connection was never opened")
				}
				go func() {
					for c.WriteMessage(websocket.BinaryMessage, msg) == nil {
					}
				}()
				// Active falls to 0 when the connection ends before the
				// echo blocks (a close fault that fires early).
				deadline := time.Now().Add(4 * ioWait)
				for !s.allWriting(1) && s.Active() == 1 {
					if time.Now().After(deadline) {
						t.Fatal("the handler never wrote")
					}
					time.Sleep(5 * time.Millisecond)
				}
				start := time.Now()
				if at := dialed.Add(tc.after); at.After(start) {
					start = at
				}
				if tc.shutdown {
					ctx, cancel := context.WithTimeout(context.Background(), 4*ioWait)
					defer cancel()
					go s.Shutdown(ctx)
				}
				select {
				case code := <-closed:
					took := time.Since(start)
					t.Logf("closed %v after the echo blocked, code %d", took.Round(time.Millisecond), code)
					if took > notTakenBound {
						t.Errorf("closed %v after the echo blocked, want within %v", took.Round(time.Millisecond), notTakenBound)
					}
					// The code when the frame found room in the socket's
					// buffer between two of the echo's frames, else none.
					if code != 0 && code != tc.code {
						t.Errorf("close code %d counted, want 0 or %d", code, tc.code)
					}
				case <-time.After(notTakenBound + ioWait):
					t.Fatalf("still open %v after the echo blocked", notTakenBound+ioWait)
				}
				if !closedByServer(c) {
					t.Error("the client's connection is still open")
				}
			})
		}
	})
}

// TestServerCloseSlowReader: a client that reads, slowly, its window
// full most of the time, still gets the server's close frame (1001 at a
// shutdown) behind the echo it is reading: it keeps taking bytes, so the
// frame is not given up.
func TestServerCloseSlowReader(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s, closed := closingServer(nil, 8<<10)
		ts := serve(t, s, nil)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		c.SetWriteDeadline(time.Now().Add(messageWait(1 << 20)))
		if err := c.WriteMessage(websocket.BinaryMessage, binaryOfSize(1<<20)); err != nil {
			t.Fatal(err)
		}
		waitAllWriting(t, s, 1, "the handler never wrote")
		ctx, cancel := context.WithTimeout(context.Background(), 4*ioWait)
		defer cancel()
		began := time.Now()
		go s.Shutdown(ctx)
		// 1 KiB every 250ms, 4 KiB/s: the close frame goes out between
		// two of the echo's 16 KiB frames, after seconds, longer than
		// listener.TakeWait, the client taking bytes all along.
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		c.SetReadDeadline(time.Now().Add(4 * ioWait))
		var err error
		for err == nil {
			var r io.Reader
			if _, r, err = c.NextReader(); err != nil {
				break
			}
			for err == nil {
				<-tick.C
				_, err = io.CopyN(io.Discard, r, 2<<10)
			}
			if err == io.EOF {
				err = nil
			}
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Fatalf("read ended with %v, want close %d", err, websocket.CloseGoingAway)
		}
		t.Logf("close frame read %v after the shutdown began", time.Since(began).Round(time.Millisecond))
		select {
		case code := <-closed:
			if code != websocket.CloseGoingAway {
				t.Errorf("close code %d counted, want %d", code, websocket.CloseGoingAway)
			}
		case <-time.After(ioWait):
			t.Fatal("not closed after the client read the close frame")
		}
	})
}
