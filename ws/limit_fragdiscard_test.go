package ws

import (
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// readCounter counts what the server reads from its socket.
type readCounter struct {
	net.Conn
	n *atomic.Int64
}

// Read reads and counts.
func (r readCounter) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// TestMessageLimitDiscardCountsFragments: after a 1009 the server reads
// and discards at most 16 MiB past the limit, as documented, counted over
// the whole message: a message whose first fragment filled the limit and
// whose next runs on without end is read no further than a message sent
// as one frame. The discard used to allow the limit and 16 MiB from the
// refused fragment on, on top of what came before it.
func TestMessageLimitDiscardCountsFragments(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const limit = 1 << 20
		var read atomic.Int64
		closed := make(chan int, 1)
		ts := serve(t, &Server{MaxMessageBytes: limit, Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}},
			func(c net.Conn) net.Conn { return readCounter{Conn: c, n: &read} })
		rc, _ := ts.dialRaw(t, nil)
		// The payload's bytes are sent as they are: the server unmasks
		// them to bytes nobody looks at, and the client spends no time
		// masking 17 MiB.
		first := []byte{0x02, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
		binary.BigEndian.PutUint64(first[2:10], limit)
		next := []byte{0x80, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
		binary.BigEndian.PutUint64(next[2:10], 1<<40)
		wrote := make(chan error, 1)
		start := time.Now()
		go func() {
			rc.conn.SetWriteDeadline(timeIn(2 * ioWait))
			chunk := make([]byte, 64<<10)
			_, err := rc.conn.Write(first)
			for sent := 0; err == nil && sent < limit; sent += len(chunk) {
				_, err = rc.conn.Write(chunk)
			}
			if err == nil {
				_, err = rc.conn.Write(next)
			}
			for err == nil {
				_, err = rc.conn.Write(chunk)
			}
			wrote <- err
		}()
		select {
		case code := <-closed:
			if code != websocket.CloseMessageTooBig {
				t.Errorf("close code %d counted, want %d", code, websocket.CloseMessageTooBig)
			}
		case <-time.After(2 * ioWait):
			t.Fatalf("still open after %v of sending", 2*ioWait)
		}
		took := time.Since(start)
		<-wrote
		// The handshake, the upgrade request, frame headers and TLS
		// records' overhead take far less than this.
		const slack = 256 << 10
		n := read.Load()
		t.Logf("server read %d bytes in %v", n, took.Round(time.Millisecond))
		if n > limit+discardAllowance+slack {
			t.Errorf("server read %d bytes of a message over its %d-byte limit, want at most %d past the limit (and %d for the rest)",
				n, limit, discardAllowance, slack)
		}
	})
}
