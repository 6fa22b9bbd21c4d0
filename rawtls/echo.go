package rawtls

import (
	"errors"
	"io"
	"sync"
)

// bufSize is one TLS record's worst-case plaintext (RFC 8446 section 5.1):
// a Read never returns more than one record's worth.
const bufSize = 16 << 10

// Echo returns the handler that writes every byte back in order until the
// client stops sending. A connection waits for the client without a
// buffer (see Conn.awaitInput): only once input has arrived does it take
// one from a pool, into which a read returns a whole record (up to 16 KiB,
// as crypto/tls decrypted it), and all of it goes back in one record and
// one write. A connection with faults runs the fault package's echo
// instead.
func Echo() Handler {
	return echo(&sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }})
}

// bufPool hands out the echo's *[]byte buffers of bufSize bytes.
type bufPool interface {
	Get() any
	Put(any)
}

func echo(pool bufPool) Handler {
	return HandlerFunc(func(c *Conn) error {
		if c.fault != nil {
			return c.fault.EchoStream(c)
		}
		for {
			probe := c.awaitInput()
			bp := pool.Get().(*[]byte)
			var n int
			var rerr error
			if probe {
				n, rerr = c.readBuffered(*bp)
			} else {
				n, rerr = c.Read(*bp)
			}
			if n > 0 {
				if _, err := c.Write((*bp)[:n]); err != nil {
					pool.Put(bp)
					return err
				}
			}
			pool.Put(bp)
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			if rerr != nil {
				return rerr
			}
		}
	})
}
