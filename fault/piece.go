package fault

import "io"

// The /ws fault echo without delay streams: a message read whole before
// its echo goes out would be held for as long as that echo takes, which
// under bw:1KiB is about 17 minutes for 1 MiB, and 64 such clients would
// take the whole Budget. So each piece goes out as a frame once it is
// read, and a client that reads its echo slowly is read as slowly.

const (
	// frameRoom is the most a server frame's header takes (RFC 6455
	// section 5.2: two bytes and eight of length, no mask). Each piece is
	// read behind that much room, so its frame is made in place.
	frameRoom = 10
	// streamPiece is the most payload of a frame without frag: with the
	// header's room and the byte of look-ahead its buffer is 16 KiB, one
	// of the pooled sizes.
	streamPiece = 16<<10 - frameRoom - 1
)

// streamMessage echoes the message r of type mt while it reads it, and
// counts it once its last frame is out. Each piece (frag's N, else
// streamPiece) goes out as a frame once the byte after it, or the
// message's end, is read: the last frame carries FIN, and no empty frame
// follows a message of a whole number of pieces. A message that fits in
// one piece without frag goes out by WriteMessage, the transport's usual
// way (compressed on a permessage-deflate connection); the frames of a
// longer one are not compressed (RSV1 clear, as RFC 7692 allows). The
// write lock is taken per frame, so a terminal verb that fires meanwhile
// acts between two frames (a control frame amid a fragmented message is
// allowed by RFC 6455 section 5.4), and no frame follows it. rerr is what
// reading the message failed with, err what writing it did.
func (s *Session) streamMessage(m Messages, mt int, r io.Reader) (rerr, err error) {
	if rerr, err = s.streamFrames(m, mt, r); rerr != nil || err != nil {
		return rerr, err
	}
	if s.Echoed(1) {
		return nil, ErrEnded
	}
	return nil, nil
}

// streamFrames writes the frames of streamMessage. It holds one buffer,
// lent and charged to the Budget, for the piece, its header's room and
// the byte after it; the buffer grows with the message from minBuffer up
// to that, and an empty message takes none. It is given back before the
// message is counted, so a verb at @N finds none held.
func (s *Session) streamFrames(m Messages, mt int, r io.Reader) (rerr, err error) {
	bufs := &s.in.bufs
	piece := s.frag()
	usual := piece == 0
	if usual {
		piece = streamPiece
	}
	var buf []byte // buf[frameRoom:frameRoom+have] is read and not yet sent
	defer func() { bufs.put(buf) }()
	have, end, first := 0, false, true
	for {
		for !end && have <= piece {
			at := frameRoom + have
			if at < cap(buf) {
				n, err := r.Read(buf[at:min(cap(buf), frameRoom+piece+1)])
				have += n
				if err == io.EOF {
					end = true
				} else if err != nil {
					return err, nil
				}
				continue
			}
			// Full, or no buffer yet: one byte tells whether the message
			// goes on, before a larger buffer is taken for it.
			var one [1]byte
			n, err := r.Read(one[:])
			if n > 0 {
				// The header's room comes along, unused yet.
				next, gerr := bufs.grow(buf, at, one[0])
				if gerr != nil {
					return nil, gerr
				}
				buf = next
				have++
			}
			if err == io.EOF {
				end = true
			} else if err != nil {
				return err, nil
			}
		}
		k := min(have, piece)
		fin := end && have <= piece
		var payload []byte
		if buf != nil {
			payload = buf[frameRoom : frameRoom+k]
		}
		if fin && first && usual {
			return nil, s.writeLocked(func() error { return m.WriteMessage(mt, payload) })
		}
		op := byte(mt)
		if !first {
			op = OpContinuation
		}
		var frame []byte
		if buf == nil {
			frame = appendHeader(nil, op, fin, 0)
		} else {
			var h [frameRoom]byte
			hdr := appendHeader(h[:0], op, fin, k)
			start := frameRoom - len(hdr)
			copy(buf[start:], hdr)
			frame = buf[start : frameRoom+k]
		}
		if err := s.writeLocked(func() error { return m.WriteFrame(frame) }); err != nil {
			return nil, err
		}
		if fin {
			return nil, nil
		}
		have = copy(buf[frameRoom:], buf[frameRoom+k:frameRoom+have])
		first = false
	}
}

// writeLocked makes one write of the echo under the write lock, unless a
// terminal verb has fired or a close gone out (ErrEnded then).
func (s *Session) writeLocked(write func() error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.quiet() {
		return ErrEnded
	}
	return write()
}
