//go:build unix

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClientStalledSendFullQueue: a send stalled by a server that stopped
// reading is reported within about -timeout even when the socket then
// takes nothing at all. The report came 5 s later: closing the connection
// sent close_notify, and crypto/tls gives that write 5 s. Whether the
// kernel still takes those few bytes depends on whether the last segment
// queued is full, which varies from run to run (a CI run reported at
// 6.3 s against -timeout 3s); fullQueueConn holds the socket in the state
// where it does not.
func TestClientStalledSendFullQueue(t *testing.T) {
	t.Parallel()
	// The session's -timeout; connecting gets ioWait (see shortSession).
	const timeout = time.Second
	msg := strings.Repeat("x", beyondBuffers)
	stop := make(chan struct{})
	stall := func(r io.Reader) {
		if _, err := r.Read(make([]byte, 1)); err == nil {
			select {
			case <-stop:
			case <-time.After(2 * ioWait):
			}
		}
	}
	tlsAddr := serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) { stall(c) })
	wsURL := rawWSServerOn(t, smallWindowListener(t), switched, func(_ net.Conn, br *bufio.Reader) { stall(br) })
	t.Cleanup(func() { close(stop) })
	for _, u := range []string{"tls://" + tlsAddr, wsURL} {
		for _, mode := range []string{"stdin", "MESSAGE"} {
			t.Run(strings.SplitN(u, ":", 2)[0]+"/"+mode, func(t *testing.T) {
				t.Parallel()
				args, stdin := []string{"-insecure", "-timeout", ioWait.String(), u}, msg+"\n"
				if mode == "MESSAGE" {
					args, stdin = append(args, msg), ""
				}
				stalled := make(chan time.Time, 1)
				c := shortSession(fullQueueClient(t, args, func(fq *fullQueueConn) { fq.stalled = stalled }), timeout)
				err := c.run(context.Background(), strings.NewReader(stdin))
				ended := time.Now()
				if want := "stopped reading"; err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s, %s: %v; want an error saying %q", u, mode, err, want)
				}
				select {
				case at := <-stalled:
					// 5 s without the fix; the rest is room for a loaded machine.
					if took := ended.Sub(at); took > 2*time.Second {
						t.Errorf("%s, %s: reported %v after the send timed out", u, mode, took)
					}
				default:
					t.Errorf("%s, %s: the send never timed out", u, mode)
				}
			})
		}
	}
}

// fullQueueConn is a TCP connection whose writes, once one has timed out,
// wait for their deadline (or Close) and send nothing: a socket whose
// send queue is full and whose last queued segment has no room left,
// which is what the kernel makes of a send the peer stopped reading,
// depending on how the segments fell.
type fullQueueConn struct {
	net.Conn
	closed  chan struct{}
	once    sync.Once
	stalled chan<- time.Time // when not nil, gets when the first write timed out
	waiting chan<- struct{}  // when not nil, gets when a write waits on the full queue
	// waits, when not nil, gets when the first write on the full queue
	// began to wait and the deadline it waits for.
	waits chan<- queueWait
	// freed, when not nil and closed, ends the wait of a write on the
	// full queue: the write then goes to the socket, and meets what the
	// server did meanwhile (such as a reset).
	freed <-chan struct{}

	mu       sync.Mutex
	deadline time.Time
	changed  chan struct{} // closed when the deadline changes
	full     bool
}

func (f *fullQueueConn) SetWriteDeadline(t time.Time) error {
	f.setDeadline(t)
	return f.Conn.SetWriteDeadline(t)
}

func (f *fullQueueConn) SetDeadline(t time.Time) error {
	f.setDeadline(t)
	return f.Conn.SetDeadline(t)
}

// setDeadline records the write deadline and wakes a write waiting on the
// full queue, which then waits for the new one, as on a socket.
func (f *fullQueueConn) setDeadline(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deadline = t
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

func (f *fullQueueConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	full := f.full
	f.mu.Unlock()
	if !full {
		n, err := f.Conn.Write(p)
		if isTimeout(err) {
			f.fill()
			if f.stalled != nil {
				f.stalled <- time.Now()
			}
		}
		return n, err
	}
	if f.waiting != nil {
		select {
		case f.waiting <- struct{}{}:
		default:
		}
	}
	if f.waits != nil {
		f.mu.Lock()
		w := queueWait{began: time.Now(), until: f.deadline}
		f.mu.Unlock()
		select {
		case f.waits <- w:
		default:
		}
	}
	for {
		f.mu.Lock()
		deadline := f.deadline
		if f.changed == nil {
			f.changed = make(chan struct{})
		}
		changed := f.changed
		f.mu.Unlock()
		var expired <-chan time.Time
		var tm *time.Timer
		if !deadline.IsZero() {
			tm = time.NewTimer(time.Until(deadline))
			expired = tm.C
		}
		select {
		case <-expired:
			return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
		case <-changed:
			if tm != nil {
				tm.Stop()
			}
		case <-f.closed:
			return 0, net.ErrClosed
		case <-f.freed:
			if tm != nil {
				tm.Stop()
			}
			return f.Conn.Write(p)
		}
	}
}

// queueWait is a write's wait on the full queue: when it began, and the
// write deadline it waits for.
type queueWait struct{ began, until time.Time }

// fill puts the socket in the full state at once: what was written so
// far went into the queue, and nothing more fits.
func (f *fullQueueConn) fill() {
	f.mu.Lock()
	f.full = true
	f.mu.Unlock()
}

func (f *fullQueueConn) Close() error {
	f.once.Do(func() { close(f.closed) })
	return f.Conn.Close()
}

// fullQueueClient is a client for args whose connection is a
// fullQueueConn, which set makes ready before the client uses it.
func fullQueueClient(t *testing.T, args []string, set func(*fullQueueConn)) *client {
	t.Helper()
	o, err := parseClientArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	return &client{o: o, stdout: io.Discard, stderr: io.Discard,
		dial: func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			nc, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			fq := &fullQueueConn{Conn: nc, closed: make(chan struct{})}
			set(fq)
			return fq, nil
		}}
}
