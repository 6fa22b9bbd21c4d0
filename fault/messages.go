package fault

import (
	"errors"
	"io"
	"time"
)

// messageBudget is the most a delayed /ws echo holds, besides one message
// of any size the transport accepts.
const messageBudget = 1 << 20

// Messages is a WebSocket connection as the faulty echo uses it; the ws
// transport provides it.
type Messages interface {
	// NextReader returns the next data message, as the transport checks
	// it (size, UTF-8).
	NextReader() (messageType int, r io.Reader, err error)
	// WriteMessage sends a whole message the transport's usual way.
	WriteMessage(messageType int, data []byte) error
	// WriteFrame sends one complete frame (see AppendFrame) with a single
	// write on the connection: frag's, and a streamed message's.
	WriteFrame(frame []byte) error
}

// EchoMessages is the /ws echo with the session's faults: each message
// comes back with its type and bytes until a read or write fails (that
// error) or a terminal verb ends the echo. Without delay each message
// streams (streamMessage): it is read a piece at a time and each piece
// goes out as a frame, so the echo holds one piece, in a buffer the
// Injector lends and charges to its Budget, and a read that fails in the
// middle of a message ends the echo after the frames already sent.
// Under delay each message is read whole into such a buffer and copied
// to the queue. One that finds no room in the Budget fails the echo with
// ErrMemory. After close it keeps reading, discarding data, until the
// client answers the close, and returns that read's error (a
// *websocket.CloseError) for the transport to finish the closing
// handshake; after fin, rst and blackhole it returns ErrEnded. @N counts
// messages; frag:N writes frames of at most N payload bytes.
func (s *Session) EchoMessages(m Messages) error {
	bufs := &s.in.bufs
	read := func() error {
		_, r, err := m.NextReader()
		if err == nil {
			err = discard(r)
		}
		return err
	}
	var q *delayQueue
	// hold queues data, a lent buffer, under delay, and gives it back
	// once the queue has its copy (exactly its size, charged to the
	// budget until it is sent or dropped).
	hold := func(mt int, data []byte) error {
		if q == nil {
			q = s.newQueue(messageBudget, func(it queued) error { return s.sendMessage(m, it.kind, it.data) }, bufs.budget.Release)
		}
		if !bufs.budget.TryAcquire(len(data)) {
			bufs.put(data)
			return ErrMemory
		}
		held := make([]byte, len(data))
		copy(held, data)
		bufs.put(data)
		err := q.push(queued{kind: mt, data: held, due: time.Now().Add(s.hold())})
		if err != nil {
			bufs.budget.Release(len(held))
		}
		return err
	}
	stop := func() {
		if q != nil {
			q.stop()
		}
	}
	for {
		var rerr, err error
		if !s.finishing() {
			var mt int
			var r io.Reader
			mt, r, rerr = m.NextReader()
			switch {
			case rerr != nil || s.finishing():
			case q == nil && !s.Active(Delay):
				rerr, err = s.streamMessage(m, mt, r)
			default:
				// delay holds copies: the message is read whole.
				var data []byte
				if data, rerr = bufs.read(r); rerr == nil && !s.finishing() {
					err = hold(mt, data)
				} else {
					bufs.put(data)
				}
			}
		}
		if s.finishing() {
			stop()
			return s.afterEnd(read, rerr)
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			stop()
			if errors.Is(err, ErrEnded) && s.hushed.Load() {
				// The transport sent a close: the client's answer ends
				// the read, and the transport finishes the handshake.
				for rerr == nil {
					rerr = read()
				}
				return rerr
			}
			return err
		}
	}
}

// sendMessage writes one echo that delay held, whole, fragmented under
// frag, and counts it.
func (s *Session) sendMessage(m Messages, mt int, data []byte) error {
	s.wmu.Lock()
	if s.quiet() {
		s.wmu.Unlock()
		return ErrEnded
	}
	var err error
	if f := s.frag(); f > 0 {
		var frame []byte
		err = Fragments(byte(mt), data, f, func(op byte, fin bool, p []byte) error {
			frame = AppendFrame(frame[:0], op, fin, p)
			return m.WriteFrame(frame)
		})
	} else {
		err = m.WriteMessage(mt, data)
	}
	s.wmu.Unlock()
	if err != nil {
		return err
	}
	if s.Echoed(1) {
		return ErrEnded
	}
	return nil
}
