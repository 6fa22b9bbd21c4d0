package tlsrecord

import (
	"bytes"
	"net"
)

// Tap is a client's socket that keeps the first KiB it reads: the
// server's ServerHello, whose random New12 needs. Give it to tls.Client
// and write the sealed records to the socket under it.
type Tap struct {
	net.Conn
	buf bytes.Buffer
}

// Read reads from the socket, keeping the start of what it reads.
func (t *Tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if t.buf.Len() < 1<<10 {
		t.buf.Write(p[:n])
	}
	return n, err
}

// Bytes is what the socket has read, up to the first KiB and a read.
func (t *Tap) Bytes() []byte { return t.buf.Bytes() }
