package ws

import (
	"fmt"
	"net"
	"sync"
	"testing"
)

// recordCounter counts the TLS records a client receives (RFC 8446
// section 5.1: a 5-byte header whose last two bytes are the length).
type recordCounter struct {
	net.Conn
	mu      sync.Mutex
	hdr     []byte
	skip    int
	records int
}

func (r *recordCounter) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	for b := p[:n]; len(b) > 0; {
		if r.skip > 0 {
			k := min(r.skip, len(b))
			r.skip -= k
			b = b[k:]
			continue
		}
		k := min(5-len(r.hdr), len(b))
		r.hdr = append(r.hdr, b[:k]...)
		b = b[k:]
		if len(r.hdr) == 5 {
			r.skip = int(r.hdr[3])<<8 | int(r.hdr[4])
			r.hdr = r.hdr[:0]
			r.records++
		}
	}
	return n, err
}

func (r *recordCounter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.records
}

// TestPipelinedEchoesCoalesced: ten messages that arrive in one go are
// echoed in one write, so the client receives them in one TLS record, not
// ten; each still comes back whole and in order.
func TestPipelinedEchoesCoalesced(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		var rc *recordCounter
		c, _ := ts.dialRawVia(t, nil, func(nc net.Conn) net.Conn {
			rc = &recordCounter{Conn: nc}
			return rc
		})
		const messages = 10
		var frames []frame
		for i := range messages {
			frames = append(frames, frame{fin: true, op: opText, payload: fmt.Appendf(nil, "message %d", i)})
		}
		before := rc.count()
		c.write(frames...)
		for i := range messages {
			if _, _, got := c.readMessage(); string(got) != fmt.Sprintf("message %d", i) {
				t.Fatalf("echo %d: %q", i, got)
			}
		}
		// The server may read the first message before the rest is in; then
		// its echo goes alone. Never one record per message.
		if n := rc.count() - before; n > 2 {
			t.Errorf("%d echoes came in %d TLS records, want them together", messages, n)
		}
	})
}
