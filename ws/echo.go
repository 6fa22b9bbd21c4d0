package ws

import (
	"io"
	"sync"
)

// Handler serves one upgraded connection. When it returns, the transport
// ends the connection with the close code its error calls for (1000 for
// nil).
type Handler interface {
	ServeWS(c *Conn) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(c *Conn) error

// ServeWS calls f(c).
func (f HandlerFunc) ServeWS(c *Conn) error { return f(c) }

// Echo returns the handler that sends each message back with the same type
// and bytes. A message streams through: each piece read is written out as
// it comes, so a 1 MiB message is never held whole. Without compression
// gorilla's writer reads straight into its frame buffer; the pooled buffer
// serves the compressed path, whose writer cannot. A connection with
// faults runs the fault package's echo instead.
func Echo() Handler {
	pool := &sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	return HandlerFunc(func(c *Conn) error {
		if c.fault != nil {
			return c.fault.EchoMessages(c)
		}
		bp := pool.Get().(*[]byte)
		defer pool.Put(bp)
		for {
			mt, r, err := c.NextReader()
			if err != nil {
				return err
			}
			w, err := c.NextWriter(mt)
			if err != nil {
				return err
			}
			if _, err := io.CopyBuffer(w, r, *bp); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
		}
	})
}
