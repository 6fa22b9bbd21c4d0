package ws

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// watchedConn is the connection under gorilla: every byte read passes the
// frame watch, and writes are counted so the keepalive can tell a write
// that is stuck. It also keeps gorilla's per-frame SetWriteDeadline from
// reaching the socket when the deadline has not changed.
//
// With coalesce set (by the echo), a write made while the client's next
// message has arrived already, and will be read without waiting, is held
// and goes out with the next one: pipelined messages are echoed in one
// TLS record and one system call instead of one each. Held writes go out
// before the next read from the socket, with the first write that cannot
// be held, and on Close.
type watchedConn struct {
	net.Conn
	watch frameWatch
	// writes is odd while a Write is in progress.
	writes atomic.Uint64
	// failed is set by the first write that fails: gorilla refuses every
	// later one (and listener.Conn would), so nothing more can be sent.
	failed atomic.Bool
	// readEnd is the error of a read that returned data with it, before
	// any write failed (see Read): the connection's end, when the echo's
	// write of that data then fails.
	readEnd atomic.Pointer[error]
	// writeDeadline is the write deadline last set, in Unix nanoseconds
	// (0: none).
	writeDeadline atomic.Int64

	coalesce atomic.Bool   // set by the handler before it writes
	started  atomic.Uint64 // messages the handler has started reading
	held     atomic.Bool   // writes are held in pending
	mu       sync.Mutex    // guards pending and orders its flush with writes
	pending  *[]byte       // held writes, from pool
	pool     *sync.Pool    // the server's buffers for held writes
	// swap, while set, is written in place of the next empty binary
	// frame (Conn.writeThrough). It is set by the goroutine that writes
	// data frames, and looked at only for data frames, which one
	// goroutine writes at a time: on a connection without faults the
	// handler's; with faults the fault echo's writes (Conn.WriteFrame),
	// from the handler's goroutine or a delay's queue, under the
	// session's write lock.
	swap []byte
	// lc is the listener's Conn under a TLS connection, told of each read
	// through crypto/tls (listener.Conn.RecordRead); nil otherwise.
	lc *listener.Conn
	// replay is what a wait read ahead of gorilla and handed back.
	replay []byte
	// rsv1Next is set by the compressed echo (deflate.go) while it writes
	// a message through gorilla's plain writer: the message's first frame
	// gets RSV1. It is set and read by the goroutine writing the message
	// (the handler's, or a delay fault's queue, which takes its turn
	// after the handler's writes): Write reads the flag for data frames
	// alone, and only that goroutine writes data frames; control frames
	// written from elsewhere never read it.
	rsv1Next bool
	// closeSent is the code of the first close frame written whole (1005
	// for one without a code), the server's own and gorilla's alike:
	// gorilla answers a protocol violation with 1002, and a frame over
	// the read limit with 1009, itself, and says nothing of either but an
	// error, whether or not the frame went out.
	closeSent atomic.Int32
}

// Read flushes held writes, reads from the connection and follows the
// frames read. Bytes a wait read ahead (replay) come first; the watch has
// seen them already.
func (w *watchedConn) Read(p []byte) (int, error) {
	if w.held.Load() {
		if err := w.flush(nil); err != nil {
			return 0, err
		}
	}
	if len(w.replay) > 0 {
		n := copy(p, w.replay)
		if w.replay = w.replay[n:]; len(w.replay) == 0 {
			w.replay = nil
		}
		return n, nil
	}
	if w.watch.misplacedRSV1 {
		return 0, errMisplacedRSV1
	}
	n, err := w.Conn.Read(p)
	if n > 0 && err != nil && err != io.EOF && !errors.Is(err, os.ErrDeadlineExceeded) && !w.failed.Load() {
		// crypto/tls, having returned the data of a record, reads an
		// alert behind it in the same call; warnings past its bound
		// make it send a fatal alert, after which no write goes out,
		// the echo of this data included. Its error tells why; the
		// write's would tell only of the alert. (A deadline that woke
		// the read is no such error.)
		w.readEnd.Store(&err)
	}
	if n > 0 {
		if w.lc != nil {
			w.lc.RecordRead(n, len(p))
			w.watch.hidden = w.lc.Unread() != listener.UnreadNone
		}
		if k := w.watch.observe(p[:n]); k < n {
			// gorilla gets the bytes before the frame, and the error
			// from its next read.
			if k == 0 {
				return 0, errMisplacedRSV1
			}
			return k, nil
		}
	}
	return n, err
}

// errMisplacedRSV1 fails the reads after a frame with a misplaced RSV1
// (see frameWatch.misplacedRSV1).
var errMisplacedRSV1 = errors.New("ws: RSV1 set on a control or continuation frame")

// Write writes to the connection, marking the write as in progress, or
// holds p when the next message is waiting (see watchedConn).
func (w *watchedConn) Write(p []byte) (int, error) {
	if len(p) == 2 && p[0] == 0x80|opBinaryFrame && p[1] == 0 && w.swap != nil {
		// The frame standing in for the answers echoInPlace built
		// (Conn.writeThrough). Looked at only for a data frame: only
		// the goroutine that sets swap writes those.
		q := w.swap
		w.swap = nil
		if _, err := w.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if len(p) > 0 && (p[0]&0x0F == 1 || p[0]&0x0F == 2) && w.rsv1Next {
		// The header of a message's first frame (a text or binary
		// opcode; payload goes out only after its header).
		return w.writeRSV1(p)
	}
	if len(p) <= maxCloseFrame && len(p) >= 2 && p[0] == 0x80|opCloseFrame {
		return w.writeCloseFrame(p)
	}
	ahead := w.coalesce.Load() && w.watch.messages.Load() > w.started.Load()
	if !ahead && !w.held.Load() {
		return w.write(p)
	}
	w.mu.Lock()
	if ahead && w.room() >= len(p) {
		if w.pending == nil {
			w.pending = w.pool.Get().(*[]byte)
			w.held.Store(true)
		}
		*w.pending = append(*w.pending, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	if err := w.flush(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeRSV1 writes p, the first frame of a compressed message, with RSV1
// set (rsv1Next), from a copy: a Write must leave its buffer alone. The
// copy is a buffer of held writes, large enough for one of gorilla's
// frames; this costs a copy per compressed message only.
func (w *watchedConn) writeRSV1(p []byte) (int, error) {
	w.rsv1Next = false
	b := w.pool.Get().(*[]byte)
	q := append((*b)[:0], p...)
	q[0] |= rsv1Bit
	_, err := w.Write(q)
	*b = q[:0]
	w.pool.Put(b)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxCloseFrame is the longest close frame a server writes: a 2-byte
// header and at most 125 bytes of payload (RFC 6455 section 5.5).
const maxCloseFrame = 2 + 125

// writeCloseFrame writes p, a close frame, at once, behind whatever is
// held, and then records its code, the first one only, when it went out:
// a close frame the client took none of in time (gorilla gives its own
// 1009 and 1002 a second) told the client nothing, and such a connection
// ended without a code. gorilla writes each control frame whole in one
// Write, and a write that starts with a data frame's header or carries
// payload alone (only for a frame of more than twice its 16 KiB buffer)
// cannot look like one: so a short write starting with a final close
// header is one.
func (w *watchedConn) writeCloseFrame(p []byte) (int, error) {
	if err := w.flush(p); err != nil {
		return 0, err
	}
	w.noteClose(p)
	return len(p), nil
}

// noteClose records the code of close frame p, the first one only.
func (w *watchedConn) noteClose(p []byte) {
	code := int32(1005) // no status code (RFC 6455 section 7.4.1)
	if len(p) >= 4 && int(p[1]&0x7F) == len(p)-2 {
		code = int32(binary.BigEndian.Uint16(p[2:4]))
	}
	w.closeSent.CompareAndSwap(0, code)
}

// heldSize is the size of the server's buffers for held writes: a
// frame of gorilla's 16 KiB write buffer fits, and a write that does not
// goes out at once, behind what is held, so the pooled buffers never
// grow (answers in place run up to the wait's 32 KiB).
const heldSize = 16 << 10

// room is what the held writes' buffer can take still. Call it with mu
// held.
func (w *watchedConn) room() int {
	if w.pending == nil {
		return heldSize
	}
	return heldSize - len(*w.pending)
}

// flush writes the held writes and p in one write.
func (w *watchedConn) flush(p []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		if len(p) == 0 {
			return nil
		}
		_, err := w.write(p)
		return err
	}
	b := w.pending
	w.pending = nil
	w.held.Store(false)
	var err error
	if len(*b)+len(p) <= cap(*b) {
		_, err = w.write(append(*b, p...))
	} else if _, err = w.write(*b); err == nil && len(p) > 0 {
		_, err = w.write(p)
	}
	*b = (*b)[:0]
	w.pool.Put(b)
	return err
}

// write writes p to the connection, marking the write as in progress.
func (w *watchedConn) write(p []byte) (int, error) {
	w.writes.Add(1)
	n, err := w.Conn.Write(p)
	w.writes.Add(1)
	if err != nil {
		w.failed.Store(true)
	}
	return n, err
}

// Close sends what is held, then closes.
func (w *watchedConn) Close() error {
	w.flushHeld()
	return w.Conn.Close()
}

// flushHeld sends the writes held back, if any.
func (w *watchedConn) flushHeld() {
	if w.held.Load() {
		w.flush(nil)
	}
}

// SetWriteDeadline passes a changed deadline on; gorilla sets one before
// every frame it writes, nearly always the same (none).
func (w *watchedConn) SetWriteDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	if w.writeDeadline.Swap(ns) == ns {
		return nil
	}
	return w.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines.
func (w *watchedConn) SetDeadline(t time.Time) error {
	w.SetWriteDeadline(t)
	return w.Conn.SetReadDeadline(t)
}
