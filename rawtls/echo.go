package rawtls

import (
	"errors"
	"io"
	"sync"
)

// bufSize is one TLS record's worst-case plaintext (RFC 8446 section 5.1):
// a Read never returns more than one record's worth, so a bigger buffer
// would sit unused.
const bufSize = 16 << 10

// Echo returns the handler that writes every byte back in order until the
// client stops sending. Buffers are pooled across connections, so an idle
// connection holds one and a closed one gives it back. A connection with
// faults runs the fault package's echo instead.
func Echo() Handler {
	pool := &sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}
	return HandlerFunc(func(c *Conn) error {
		if c.fault != nil {
			return c.fault.EchoStream(c)
		}
		bp := pool.Get().(*[]byte)
		defer pool.Put(bp)
		buf := *bp
		for {
			n, rerr := c.Read(buf)
			if n > 0 {
				if _, err := c.Write(buf[:n]); err != nil {
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
