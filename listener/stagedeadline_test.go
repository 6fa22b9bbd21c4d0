package listener_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// TestStageDeadlineAfterClose: a stage that sets a deadline through the
// Conn after the listener's Close (and EndGrace) has cut the stages
// short gets the close's deadline, not its own later one. Accept fails
// once the stage's read ends, at once, not a minute later.
func TestStageDeadlineAfterClose(t *testing.T) {
	t.Parallel()
	var l *listener.Listener
	readErr := make(chan error, 1)
	l = listen(t, listener.Options{
		HandshakeTimeout: time.Minute,
		BeforeHandshake: func(_ context.Context, c *listener.Conn) error {
			l.Close()
			l.EndGrace()
			c.SetReadDeadline(time.Now().Add(time.Minute))
			_, err := c.Read(make([]byte, 1))
			readErr <- err
			return err
		},
	})
	got := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if a := next(t, got); a.err == nil {
		t.Fatal("Accept returned a connection from a closed listener")
	}
	if err := <-readErr; err == nil {
		t.Fatal("the stage's read succeeded; the client sent nothing")
	}
}

// TestAlertDrainAfterClose: the drain after an alert (fault.SendAlert),
// which sets a read deadline a second away, does not outlast a Close and
// EndGrace that came between the alert's write and the drain. The
// drain's deadline used to push the close's back out, and a client that
// took the alert and kept its socket open held Accept, and a shutdown
// with it, a second past EndGrace.
func TestAlertDrainAfterClose(t *testing.T) {
	t.Parallel()
	var l *listener.Listener
	var ended atomic.Int64 // EndGrace's time, in Unix nanoseconds
	l = listen(t, listener.Options{
		HandshakeTimeout: time.Minute,
		BeforeHandshake: func(_ context.Context, c *listener.Conn) error {
			w := &closeAfterWrite{Conn: c, close: func() {
				l.Close()
				l.EndGrace()
				ended.Store(time.Now().UnixNano())
			}}
			if err := fault.SendAlert(w, 40); err != nil {
				return err
			}
			return fault.ErrAlertSent
		},
	})
	got := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	client.SetDeadline(time.Now().Add(ioTimeout))
	// One handshake record of one byte: all SendAlert reads.
	if _, err := client.Write([]byte{22, 3, 1, 0, 1, 1}); err != nil {
		t.Fatal(err)
	}
	alert := make([]byte, 7)
	if _, err := io.ReadFull(client, alert); err != nil {
		t.Fatalf("no alert: %v", err)
	}
	// The client keeps its socket open: only the drain's deadline ends
	// the drain.
	if a := next(t, got); a.err == nil {
		t.Fatal("Accept returned a connection from a closed listener")
	}
	// The drain's own deadline is a second past EndGrace; one cut to
	// EndGrace's ends in a few milliseconds.
	if took := time.Since(time.Unix(0, ended.Load())); took >= 800*time.Millisecond {
		t.Fatalf("Accept failed %v after EndGrace: the alert's drain outlasted it", took)
	}
}

// closeAfterWrite is a net.Conn whose first write, once done, runs close:
// a shutdown that lands right after an alert went out.
type closeAfterWrite struct {
	*listener.Conn
	close func()
	once  sync.Once
}

func (w *closeAfterWrite) Write(p []byte) (int, error) {
	n, err := w.Conn.Write(p)
	w.once.Do(w.close)
	return n, err
}

// NetConn is the Conn, so that fault.SendAlert finds the socket under it.
func (w *closeAfterWrite) NetConn() net.Conn { return w.Conn }
