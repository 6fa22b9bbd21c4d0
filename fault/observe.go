package fault

import (
	"encoding/binary"
	"io"
	"net"
	"sync"

	"github.com/tlsecho/tlsecho/internal/httphead"
)

// Observed returns c with a copy of every byte read from it given to w
// (a FrameObserver or RecordObserver), for a client that wants to see the
// framing under what it reads.
func Observed(c net.Conn, w io.Writer) net.Conn { return observed{Conn: c, w: w} }

type observed struct {
	net.Conn
	w io.Writer
}

// Read reads from the connection and copies what came to the observer.
func (o observed) Read(p []byte) (int, error) {
	n, err := o.Conn.Read(p)
	o.w.Write(p[:n])
	return n, err
}

// NetConn is the observed connection, for code that looks under wrappers.
func (o observed) NetConn() net.Conn { return o.Conn }

// Framing is how one WebSocket message came over the wire.
type Framing struct {
	// Frames is the number of frames the message took.
	Frames int
	// Largest is the largest frame payload, in bytes.
	Largest int64
}

// FrameObserver follows what a server sends on a WebSocket connection,
// from the first byte of its HTTP response on, and tells how each data
// message was framed: the client side of frag:N. Feed it a copy of every
// byte read from the connection under the WebSocket client (Write never
// fails). It is safe for concurrent use. Bytes that are not a WebSocket
// stream only confuse the counts; they cannot make it fail or grow.
type FrameObserver struct {
	mu       sync.Mutex
	head     httphead.End // the frames begin past the HTTP response head
	hdr      [14]byte     // the frame header being read
	hdrLen   int          // bytes of hdr read so far
	skip     uint64       // payload bytes of the current frame still to come
	cur      Framing      // the data message being received
	inMsg    bool
	done     []Framing // messages complete and not yet taken
	controls int
}

// maxPending bounds the messages kept until Take, so a client that never
// calls it cannot grow the observer without bound.
const maxPending = 1024

// Take returns the framing of the messages completed since the last Take,
// in order.
func (f *FrameObserver) Take() []Framing {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.done
	f.done = nil
	return out
}

// Controls is the number of control frames (close, ping, pong) seen.
func (f *FrameObserver) Controls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.controls
}

// Write observes p.
func (f *FrameObserver) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(p)
	p = f.head.Skip(p)
	for len(p) > 0 {
		if f.skip > 0 {
			k := min(uint64(len(p)), f.skip)
			f.skip -= k
			p = p[k:]
			continue
		}
		f.hdr[f.hdrLen] = p[0]
		f.hdrLen++
		p = p[1:]
		if need := headerLen(f.hdr[:f.hdrLen]); f.hdrLen == need {
			f.frame()
		}
	}
	return n, nil
}

// headerLen is the length of the frame header that starts with h, as far
// as h tells it: 2 until the length byte is known.
func headerLen(h []byte) int {
	if len(h) < 2 {
		return 2
	}
	n := 2
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if h[1]&0x80 != 0 {
		n += 4 // a mask key: a server must not send one, but it is framing
	}
	return n
}

// frame takes in the complete header in f.hdr.
func (f *FrameObserver) frame() {
	h := f.hdr[:f.hdrLen]
	f.hdrLen = 0
	var size uint64
	switch h[1] & 0x7f {
	case 126:
		size = uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		size = binary.BigEndian.Uint64(h[2:])
	default:
		size = uint64(h[1] & 0x7f)
	}
	f.skip = size
	fin, op := h[0]&0x80 != 0, h[0]&0x0f
	if op >= 8 {
		f.controls++
		return
	}
	if op != OpContinuation || !f.inMsg {
		f.cur, f.inMsg = Framing{}, true
	}
	f.cur.Frames++
	f.cur.Largest = max(f.cur.Largest, int64(min(size, 1<<62)))
	if fin {
		if len(f.done) < maxPending {
			f.done = append(f.done, f.cur)
		}
		f.inMsg = false
	}
}

// Record is one TLS record as it went over the wire.
type Record struct {
	// Type is the record's content type: 21 alert, 22 handshake, 23
	// application data (everything after a TLS 1.3 handshake's first
	// flight, alerts included, goes as 23).
	Type byte
	// Len is the length of the record's payload, encryption overhead
	// included (TLS 1.3 with AES-GCM or ChaCha20: the plaintext plus 17).
	Len int
}

// RecordObserver splits what a server sends on a TLS connection into
// records: the client side of frag:N on the raw port, and of how a
// connection ended (a close_notify is one more record; a FIN is none).
// Feed it a copy of every byte read from the socket under the TLS client
// (Write never fails). It is safe for concurrent use and keeps at most
// maxPending records.
type RecordObserver struct {
	mu      sync.Mutex
	hdr     [5]byte
	hn      int
	left    int
	records []Record
}

// Write observes p.
func (o *RecordObserver) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		if o.left > 0 {
			k := min(len(p), o.left)
			o.left -= k
			p = p[k:]
			continue
		}
		o.hdr[o.hn] = p[0]
		o.hn++
		p = p[1:]
		if o.hn == len(o.hdr) {
			o.hn = 0
			o.left = int(binary.BigEndian.Uint16(o.hdr[3:]))
			if len(o.records) < maxPending {
				o.records = append(o.records, Record{Type: o.hdr[0], Len: o.left})
			}
		}
	}
	return n, nil
}

// Records returns every record seen so far, in order.
func (o *RecordObserver) Records() []Record {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Record(nil), o.records...)
}
