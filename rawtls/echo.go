package rawtls

import (
	"errors"
	"io"
	"sync"
)

// bufSize is one TLS record's worst-case plaintext (RFC 8446 section 5.1):
// a Read never returns more than one record's worth.
const bufSize = 16 << 10

// smallSize is the read buffer an idle connection holds: a small message
// is read and echoed from it, and only a larger one takes a bufSize
// buffer from the pool, for as long as its echo takes.
const smallSize = 512

// Echo returns the handler that writes every byte back in order until the
// client stops sending. A connection waits for the client with a small
// buffer of its own; when a read fills it, a pooled buffer takes the rest
// of the record, which crypto/tls has decrypted already, and all of it
// goes back in one write: one record for a message of up to 16 KiB. A
// connection with faults runs the fault package's echo instead.
func Echo() Handler {
	pool := &sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}
	return HandlerFunc(func(c *Conn) error {
		if c.fault != nil {
			return c.fault.EchoStream(c)
		}
		var small [smallSize]byte
		for {
			n, rerr := c.Read(small[:])
			if n == len(small) && rerr == nil {
				bp := pool.Get().(*[]byte)
				buf := *bp
				copy(buf, small[:n])
				m, rerr := c.readBuffered(buf[n:])
				_, err := c.Write(buf[:n+m])
				pool.Put(bp)
				if err != nil {
					return err
				}
				if errors.Is(rerr, io.EOF) {
					return nil
				}
				if rerr != nil {
					return rerr
				}
				continue
			}
			if n > 0 {
				if _, err := c.Write(small[:n]); err != nil {
					return err
				}
			}
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			if rerr != nil {
				return rerr
			}
		}
	})
}
