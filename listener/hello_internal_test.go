package listener

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
)

// stalledConn returns its bytes, then err, as a socket does whose client
// stopped in the middle of its hello.
type stalledConn struct {
	net.Conn // for the addresses
	r        io.Reader
	err      error
}

func (c *stalledConn) Read(p []byte) (int, error) {
	if n, _ := c.r.Read(p); n > 0 {
		return n, nil
	}
	return 0, c.err
}

// TestReadHelloAtTheDeadline: bytes of a hello the deadline cut short are
// not put back for crypto/tls, which could only time out on them too, on
// the same deadline; it read 72 KiB of a thin hello for nothing at the
// handshake timeout before. Cut short by the client's close, they are:
// crypto/tls's words for that depend on what came.
func TestReadHelloAtTheDeadline(t *testing.T) {
	// 10,000 bytes of a hello of 60,000, a byte a record.
	var thin []byte
	for _, x := range append([]byte{1, 0, 0xea, 0x60}, make([]byte, 10000-4)...) {
		thin = append(thin, 22, 3, 1, 0, 1, x)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	for _, tt := range []struct {
		err    error
		replay bool
	}{
		{&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, false},
		{io.EOF, true},
	} {
		c := newConn(&stalledConn{Conn: a, r: bytes.NewReader(thin), err: tt.err}, &Listener{})
		if h := readHello(c); h != nil {
			t.Fatalf("%v: a hello from %d bytes of one", tt.err, len(thin))
		}
		if got := len(c.stages.pending); (got > 0) != tt.replay || tt.replay && got != len(thin) {
			t.Errorf("%v: %d bytes put back, want %s", tt.err, got, map[bool]string{true: fmt.Sprint(len(thin)), false: "none"}[tt.replay])
		}
	}
}
