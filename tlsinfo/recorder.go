package tlsinfo

import (
	"bytes"
	"errors"
	"net"
	"sync"
)

// HelloRecorder wraps the connection of a TLS client and keeps the bytes
// it writes until they hold its first ClientHello, to show what the client
// sent. It records at most [MaxHelloBytes] and then gets out of the way.
type HelloRecorder struct {
	net.Conn

	mu   sync.Mutex
	buf  []byte
	asm  assembler
	done bool
}

// RecordHello returns c wrapped in a HelloRecorder; pass it to
// tls.Client.
func RecordHello(c net.Conn) *HelloRecorder { return &HelloRecorder{Conn: c} }

// Write records p while the hello is incomplete, then writes it to the
// wrapped connection.
func (r *HelloRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	if !r.done {
		r.buf = append(r.buf, p[:min(len(p), MaxHelloBytes-len(r.buf))]...)
		msg, err := r.asm.feed(r.buf)
		r.done = msg != nil || err != nil || len(r.buf) == MaxHelloBytes
	}
	r.mu.Unlock()
	return r.Conn.Write(p)
}

// Hello parses the recorded ClientHello.
func (r *HelloRecorder) Hello() (*ClientHello, error) {
	r.mu.Lock()
	buf := r.buf
	r.mu.Unlock()
	if len(buf) == 0 {
		return nil, errors.New("tlsinfo: the client wrote nothing")
	}
	_, h, err := ReadClientHello(bytes.NewReader(buf))
	return h, err
}

// NetConn returns the wrapped connection.
func (r *HelloRecorder) NetConn() net.Conn { return r.Conn }
