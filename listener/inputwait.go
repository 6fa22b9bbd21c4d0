package listener

import "syscall"

// InputWait waits until a connection's socket has input (data, the peer's
// FIN, or an error), holding no buffer while it waits, parked in the
// runtime's poller on a shallow stack. A server whose reader above the
// socket holds nothing (see [Conn.Unread]) waits with it between messages
// rather than inside a read, so an idle connection keeps neither a read
// buffer nor a deep stack.
//
// A wait costs one system call, as a wait inside a read does: it reads
// once, and once the poller reports the socket readable it returns
// without reading again, for the read that follows does that anyway.
// When input is there already, that one read takes it, into a buffer of
// the listener's pool that the Conn's next reads return before anything
// from the socket (so a read through crypto/tls finds it), and gives back
// once they have.
//
// The zero InputWait is unusable: [InputWait.Init] it with the
// connection. Only one goroutine at a time may call Wait.
type InputWait struct {
	sock   syscall.RawConn
	c      *Conn
	lookFn func(fd uintptr) bool // w.look, made once
	looked bool                  // the current wait has read once
}

// Wait returns once the socket has input, or with the socket's error: a
// read deadline that passed (os.ErrDeadlineExceeded), a closed socket.
func (w *InputWait) Wait() error {
	w.looked = false
	return w.sock.Read(w.lookFn)
}
