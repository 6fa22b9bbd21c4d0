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

// frameWatch follows the frame boundaries of the client's byte stream as
// it arrives (RFC 6455 section 5.2), without touching the bytes: gorilla
// parses them, but tells nothing of a frame until its message is read.
// The keepalive needs to know when a frame completes, since only a
// complete frame shows that the client is alive: a client in the middle of
// a frame cannot answer a ping (section 5.4 lets control frames come
// between the frames of a message, never inside one), so bytes that
// trickle into one frame prove nothing.
//
// Only the reading goroutine calls observe; the counters are read by the
// keepalive's timer.
type frameWatch struct {
	hdr  [14]byte // the header being collected
	hn   int      // bytes of it so far
	need int      // its full length, once known (0 before the second byte)
	left uint64   // payload bytes still to come in the current frame
	size uint64   // payload length of the current frame
	op   byte     // opcode of the current frame

	frames   atomic.Uint64 // frames completed, pongs aside: traffic
	pongs    atomic.Uint64 // pongs completed: an answer, not traffic
	messages atomic.Uint64 // data messages completed (final data frames)
	arriving atomic.Int64  // payload length of a frame partly arrived; 0 between frames
	// partial counts the bytes of reads that ended inside a frame: a frame
	// arriving is traffic before it completes. A read of whole frames
	// leaves it alone, so they cost no store here.
	partial atomic.Uint64
	// rest is the payload of the frame partly arrived still to come, as
	// of the last read that ended inside it: input shorter than that
	// cannot complete the frame, nor hold one after it, such as a pong
	// (keepalive.go). It is
	// 0, unknown, when that read left input above the socket (hidden).
	rest atomic.Uint64
	// hidden is set while bytes read from the socket may wait unseen
	// above it, in crypto/tls's buffers: some of the frame's rest may be
	// there, out of the socket's count, which then bounds nothing. The
	// reading goroutine sets it before observe.
	hidden bool
	// shortClose is set when the first close frame has a 1-byte payload:
	// gorilla takes it for a close without a code, where RFC 6455 section
	// 5.5.1 allows only none or a 2-byte code, so the server answers it.
	// Only the first counts: gorilla reads no frame after it.
	shortClose atomic.Bool
	// codeLeft is how many of the first two payload bytes of the first
	// close frame are still to come, mask its masking key and code the
	// code's bytes so far; stoodIn is set when the code was one gorilla
	// refuses, stood in for (closecode.go).
	codeLeft int
	mask     [4]byte
	code     [2]byte
	stoodIn  atomic.Bool
	// topBitLength is set when the data frame that takes a message over
	// limit, the one gorilla refuses as too big, has a 64-bit payload
	// length with its most significant bit set, which RFC 6455 section
	// 5.2 forbids: gorilla sends nothing then, so the server answers it.
	topBitLength atomic.Bool
	// limit is gorilla's read limit (0: none); message is the length of
	// the data message so far, its frames summed as gorilla sums them.
	limit, message uint64
	// lastFinal is set when the last data frame whose header came (up
	// to the first over limit) ends its message (messageArrived).
	lastFinal bool
	// closeSeen and overSeen: the first close frame, and the first data
	// frame over limit, have been seen. Only the reading goroutine
	// touches them.
	closeSeen, overSeen bool
	// misplacedRSV1 is set when a continuation or control frame arrived
	// with RSV1 set. RFC 7692 section 6.1 has the connection failed: the
	// bit marks a compressed message, on its first frame only. gorilla
	// refuses RSV1 without compression, but with permessage-deflate
	// negotiated it takes such a frame. Once set, gorilla gets no more of
	// the stream, while the watch goes on following its frames: the
	// close's discard ends at the client's answer (closeDone). Only the
	// reading goroutine touches it.
	misplacedRSV1 bool
	// closeDone is set once a close frame from the client has arrived
	// whole: a close's discard (close.go) stops there. Only the reading
	// goroutine touches it.
	closeDone bool
	// loose is set while some byte seen may not have been taken by the
	// handler: the last frame seen is incomplete, or it is not the end of
	// a data message (gorilla takes a control frame only inside the next
	// NextReader). Only the reading goroutine touches it.
	loose bool
}

// rsv1Bit is the first reserved bit of a frame's first byte, which
// permessage-deflate uses to mark a compressed message.
const rsv1Bit = 0x40

// Opcodes of the control frames the watch tells apart.
const (
	opCloseFrame = 0x8
	opPingFrame  = 0x9
	opPongFrame  = 0xA
)

// opBinaryFrame is the binary data frame's opcode.
const opBinaryFrame = 0x2

// observe follows the frames in p, the next bytes of the stream, and
// returns how many of them may be handed on to gorilla: all of them,
// unless a frame starts with RSV1 where it must not (misplacedRSV1): none
// from that frame's first byte on, in this call and every later one.
func (w *frameWatch) observe(p []byte) int {
	handed := -1 // -1: all of p
	if w.misplacedRSV1 {
		handed = 0
	}
	var frames, pongs, messages uint64
	total := len(p)
	for len(p) > 0 {
		if w.left > 0 {
			if w.codeLeft > 0 {
				w.closeCodeBytes(p)
			}
			if uint64(len(p)) < w.left {
				w.left -= uint64(len(p))
				p = nil
				break
			}
			p = p[w.left:]
			w.left = 0
			frames, pongs, messages = w.complete(frames, pongs, messages)
			continue
		}
		// Collect the header: 2 bytes, then the extended length and the
		// masking key that the second byte announces.
		if w.hn < 2 {
			if w.hn == 0 && !w.misplacedRSV1 && p[0]&rsv1Bit != 0 && (p[0]&0x0F == 0 || p[0]&0x08 != 0) {
				w.misplacedRSV1 = true
				handed = total - len(p)
			}
			w.loose = true
			w.hdr[w.hn] = p[0]
			w.hn++
			p = p[1:]
			if w.hn < 2 {
				continue
			}
			w.need = 2 + extLen(w.hdr[1]&0x7F)
			if w.hdr[1]&0x80 != 0 {
				w.need += 4
			}
		}
		n := copy(w.hdr[w.hn:w.need], p)
		w.hn += n
		p = p[n:]
		if w.hn < w.need {
			break
		}
		w.op = w.hdr[0] & 0x0F
		w.left = payloadLen(w.hdr[:w.need])
		w.size = w.left
		w.header()
		w.hn, w.need = 0, 0
		if w.left == 0 {
			frames, pongs, messages = w.complete(frames, pongs, messages)
		}
	}
	if messages > 0 {
		w.messages.Add(messages)
	}
	if frames > 0 {
		w.frames.Add(frames)
	}
	if pongs > 0 {
		w.pongs.Add(pongs)
	}
	if w.left > 0 || w.hn > 0 {
		w.partial.Add(uint64(total - len(p)))
		rest := w.left
		if w.hidden {
			rest = 0
		}
		w.rest.Store(rest)
	}
	// Published only when it changes, so a stream of whole frames costs
	// no store here.
	var arriving int64
	if w.left > 0 {
		arriving = int64(min(w.size, 1<<62))
	}
	if w.arriving.Load() != arriving {
		w.arriving.Store(arriving)
	}
	if handed >= 0 {
		return handed
	}
	return total - len(p)
}

// movedSince reports whether a frame has completed, a pong or any other,
// since frames and pongs were read from w.
func (w *frameWatch) movedSince(frames, pongs uint64) bool {
	return w.frames.Load() != frames || w.pongs.Load() != pongs
}

// header notes what the server must answer itself of the frame whose
// header has just completed in w.hdr (see shortClose, topBitLength).
func (w *frameWatch) header() {
	switch {
	case w.op == opCloseFrame && !w.closeSeen:
		w.closeSeen = true
		if w.size == 1 {
			w.shortClose.Store(true)
		}
		if w.size >= 2 {
			// A server's frames are not masked (ClientConn); a client's
			// unmasked frame gorilla refuses before its code counts.
			w.codeLeft, w.mask = 2, [4]byte{}
			if w.hdr[1]&0x80 != 0 {
				copy(w.mask[:], w.hdr[w.need-4:w.need])
			}
		}
	case w.op <= 2 && w.limit > 0 && !w.overSeen:
		if w.op != 0 {
			w.message = 0
		}
		w.message += min(w.size, 1<<63-w.message) // saturating at 2^63
		w.lastFinal = w.hdr[0]&0x80 != 0
		if w.message > w.limit {
			w.overSeen = true
			if w.hdr[1]&0x7F == 127 && w.hdr[2]&0x80 != 0 {
				w.topBitLength.Store(true)
			}
		}
	}
}

// messageArrived is how many payload bytes of the data message under
// way have arrived, its earlier frames and what has come of the current
// one; 0 between messages. The watch stops following messages at the
// first data frame over limit, where a close's discard takes over and
// counts them against its bound (discardBound).
func (w *frameWatch) messageArrived() uint64 {
	n := w.message
	if w.op <= 2 {
		// The current frame is the message's: its rest has not come,
		// and once it has, a final frame ends the message.
		if w.left == 0 && w.lastFinal {
			return 0
		}
		return n - min(w.left, n)
	}
	if w.lastFinal {
		return 0 // a control frame after the message's last frame
	}
	return n
}

// complete counts the frame whose header is in w.hdr as complete.
func (w *frameWatch) complete(frames, pongs, messages uint64) (uint64, uint64, uint64) {
	w.loose = !(w.op <= 2 && w.hdr[0]&0x80 != 0)
	if w.op == opCloseFrame {
		w.closeDone = true
	}
	switch {
	case w.op == opPongFrame:
		return frames, pongs + 1, messages
	case w.op <= 2 && w.hdr[0]&0x80 != 0: // the final frame of a message
		return frames + 1, pongs, messages + 1
	}
	return frames + 1, pongs, messages
}

// extLen is the length of the extended payload length for the 7-bit
// length field l.
func extLen(l byte) int {
	switch l {
	case 126:
		return 2
	case 127:
		return 8
	}
	return 0
}

// payloadLen reads the payload length from a complete header.
func payloadLen(h []byte) uint64 {
	switch l := h[1] & 0x7F; l {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return binary.BigEndian.Uint64(h[2:10])
	default:
		return uint64(l)
	}
}

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
