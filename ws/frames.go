package ws

import (
	"encoding/binary"
	"sync/atomic"
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
