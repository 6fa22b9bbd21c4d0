package listener

import "syscall"

// InputWait waits until a connection's socket has input (data, the peer's
// FIN, or an error) without taking any of it, holding no buffer and
// parked in the runtime's poller on a shallow stack. A server whose
// reader above the socket holds nothing (see [Conn.Unread]) waits with it
// between messages rather than inside a read, so an idle connection keeps
// neither a read buffer nor a deep stack.
//
// A wait costs the system call that finds the socket empty, as a wait
// inside a read does: it looks once with MSG_PEEK, and once the poller
// reports the socket readable it returns without looking again, for the
// read that follows makes that call anyway.
//
// The zero InputWait is unusable: [InputWait.Init] it with the
// connection. Only one goroutine at a time may call Wait.
type InputWait struct {
	sock   syscall.RawConn
	peekFn func(fd uintptr) bool // w.peek, made once
	looked bool                  // the current wait has peeked
	buf    [1]byte
}

// Wait returns once the socket has input, or with the socket's error: a
// read deadline that passed (os.ErrDeadlineExceeded), a closed socket.
func (w *InputWait) Wait() error {
	w.looked = false
	return w.sock.Read(w.peekFn)
}
