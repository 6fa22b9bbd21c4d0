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
	step   func() bool           // Run's step, while it runs
	looked bool                  // the current wait has read once
	inq    bool                  // TCP_INQ was asked for (Run)
}

// Wait returns once the socket has input, or with the socket's error: a
// read deadline that passed (os.ErrDeadlineExceeded), a closed socket.
func (w *InputWait) Wait() error {
	w.looked = false
	return w.sock.Read(w.lookFn)
}

// Run waits as Wait does, but serves the input itself and goes on
// waiting, without the read that finds the socket empty before each
// wait. Each time the socket turns readable Run calls step, whose reads
// (through crypto/tls, say) read the socket without waiting and, once it
// has nothing more, fail with [ErrNoInput]; step reads until then and
// reports true to have Run wait again, or false to have it return. Once
// a read of step's has found the socket empty, the next fail with
// ErrNoInput without asking the socket again: the poller, within one
// wait, keeps what it learns of the socket meanwhile (it forgets only as
// a wait starts), so input that arrived since wakes the wait at once,
// and input that arrives later wakes it then. Where the kernel tells
// what a read left (Linux's TCP_INQ), the read that takes the input can
// find the socket empty too (see Conn.readNow): an echo then costs one
// read and one write, where a read that waits costs two reads, one that
// takes the input and one that finds no more. Elsewhere the reads are
// those two.
//
// Run returns with the socket's error (a deadline that passed, a closed
// socket), when step reports false, and at once, as Wait does, when input
// an earlier wait read ahead is still to be read. step must read the
// socket only through the Conn, which Run holds for reading; it may
// write.
func (w *InputWait) Run(step func() bool) error {
	w.step = step
	err := w.sock.Read(w.lookFn)
	w.step = nil
	return err
}

// ErrNoInput is what a read of a Conn returns, during the step of
// [InputWait.Run], when the socket has nothing more: the next byte is the
// wait's to find. It is a net.Error whose Temporary is true, which
// crypto/tls takes for a read to try again later, keeping what it has of
// a record, not for the connection's end.
var ErrNoInput error = noInput{}

type noInput struct{}

func (noInput) Error() string   { return "listener: no input without a wait" }
func (noInput) Timeout() bool   { return false }
func (noInput) Temporary() bool { return true }

// Drained reports, during the step of [InputWait.Run], that a read
// through crypto/tls would now fail with [ErrNoInput]: a read of the step
// has found the socket empty, or left it so by the kernel's word, and
// crypto/tls holds no complete record ([Conn.Unread]). An echo that has
// written what it read ends its step then, saving that read: it costs
// crypto/tls's Read and the wrappers around it, about 1% of a 64-byte
// echo (perf record).
// Call it only from the step, after a read that returned data was told
// to [Conn.RecordRead].
func (c *Conn) Drained() bool {
	return c.noWait && c.drained && c.Unread() != UnreadMaybe
}
