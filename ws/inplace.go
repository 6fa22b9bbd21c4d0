package ws

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Echoing whole messages in place.
//
// A busy connection's wait reads the client's input into a buffer of its
// own (readyEcho), and most of what it reads is whole data messages of one
// frame each. Handed to gorilla, each costs a reader, a writer, a write
// buffer from the pool and two copies of the payload, and at 64 bytes that
// is about 6% of an echo's CPU (perf record, wss 64 B against the plain
// gorilla loop). Such a frame needs none of it: its answer is the same
// payload, unmasked, behind a header 4 bytes shorter than the client's
// (RFC 6455 section 5.2: the server sends no masking key), so the answer
// fits where the frame was. echoInPlace turns the leading run of such
// frames into their answers where they lie and writes them in one write;
// the first frame it cannot answer this way, and everything after it, is
// left to gorilla, which answers it as it always has: a fragment, a
// control frame, a frame with a reserved bit or without a mask, text that
// is not UTF-8, a message over the limit.

// inPlace is the answer to the leading whole data frames of a buffer:
// b[from:to] holds the server's frames, and the client's took b[:taken].
type inPlace struct {
	from, to, taken int
	// text and binary count the messages answered, and their bytes.
	text, binary, textBytes, binaryBytes int64
}

// messages is how many messages the answer carries.
func (a *inPlace) messages() int64 { return a.text + a.binary }

// answerInPlace rewrites the whole, unfragmented, masked text and binary
// frames that b starts with, none over limit bytes of payload and text
// valid UTF-8, into the server's frames for the same messages, inside b.
// It stops at the first frame that is anything else, or not all in b,
// leaving that frame's bytes as they came. Payloads up to 65,535 bytes
// only: the 64-bit length is left to gorilla, which alone checks its top
// bit.
func answerInPlace(b []byte, limit int64) inPlace {
	a := inPlace{from: -1}
	for {
		f := b[a.taken:]
		if len(f) < 6 || f[0]&0xF0 != 0x80 || f[1]&0x80 == 0 {
			break // not final, a reserved bit set, not masked, or cut
		}
		op := f[0] & 0x0F
		if op != 1 && op != 2 {
			break // a control frame, or a continuation
		}
		n, h := int(f[1]&0x7F), 6
		if n == 127 {
			break
		}
		if n == 126 {
			if len(f) < 8 {
				break
			}
			n, h = int(binary.BigEndian.Uint16(f[2:4])), 8
		}
		if int64(n) > limit || len(f) < h+n {
			break
		}
		key := binary.LittleEndian.Uint32(f[h-4 : h])
		payload := f[h : h+n]
		unmask(payload, key)
		text := op == 1
		if text && !utf8.Valid(payload) {
			unmask(payload, key) // as it came, for gorilla to refuse
			break
		}
		// The server's header ends where the client's did, over the
		// masking key, which is read already.
		sh := 2
		if n > 125 {
			sh = 4
		}
		hdr := f[h-sh : h]
		hdr[0] = f[0]
		if sh == 2 {
			hdr[1] = byte(n)
		} else {
			hdr[1] = 126
			binary.BigEndian.PutUint16(hdr[2:], uint16(n))
		}
		frame := a.taken + h - sh
		if a.from < 0 {
			a.from, a.to = frame, frame
		}
		// Each answer is at least 4 bytes shorter than its frame, so it
		// moves only toward the start, over bytes already taken; the
		// first stays where it is.
		if a.to == frame {
			a.to += sh + n
		} else {
			a.to += copy(b[a.to:], b[frame:a.taken+h+n])
		}
		a.taken += h + n
		if text {
			a.text++
			a.textBytes += int64(n)
		} else {
			a.binary++
			a.binaryBytes += int64(n)
		}
	}
	if a.from < 0 {
		a.from = 0
	}
	return a
}

// unmask applies the masking key, as the 4 bytes read little-endian, to b
// (RFC 6455 section 5.3), 8 bytes at a time and 32 to a loop: with one
// bounds check per 32 bytes it runs at 3.3 times the speed of an
// 8-byte loop that indexes b (35.6 against 10.8 GB/s on 4 KiB,
// BenchmarkUnmask), and a 4 KiB message costs it over a tenth of a
// microsecond.
func unmask(b []byte, key uint32) {
	k := uint64(key) | uint64(key)<<32
	le := binary.LittleEndian
	for len(b) >= 32 {
		_ = b[31]
		le.PutUint64(b[0:8], le.Uint64(b[0:8])^k)
		le.PutUint64(b[8:16], le.Uint64(b[8:16])^k)
		le.PutUint64(b[16:24], le.Uint64(b[16:24])^k)
		le.PutUint64(b[24:32], le.Uint64(b[24:32])^k)
		b = b[32:]
	}
	for len(b) >= 8 {
		le.PutUint64(b[:8], le.Uint64(b[:8])^k)
		b = b[8:]
	}
	// What is left starts at a multiple of 8 bytes: at the key's first.
	for i := range b {
		b[i] ^= byte(key >> (8 * (i & 3)))
	}
}

// echoInPlace answers, in place, the whole messages b starts with
// (answerInPlace) in one write, counts them as read and echoed, and
// returns how many bytes of b they took.
func echoInPlace(c *Conn, b []byte) (int, error) {
	a := answerInPlace(b, c.srv.MessageLimit())
	if a.taken == 0 {
		return 0, nil
	}
	c.nc.started.Add(uint64(a.messages()))
	// Counted before the write, as gorilla's path counts a message once
	// read, before its echo goes out: whoever has the echo sees it
	// counted.
	a.count(c.srv)
	err := c.writeThrough(b[a.from:a.to])
	if errors.Is(err, websocket.ErrCloseSent) {
		// Not echoed: the server's close went out first. They stay
		// counted all the same, received whole and passed to the echo
		// as the metric says: the statistics are counters, which a
		// scrape between an add and a take-back would see fall, and
		// Prometheus takes any fall for a restart (rate() then counts
		// the whole total again).
		c.srv.inPlace.Add(-a.messages())
	}
	return a.taken, err
}

// count adds the messages of a to s's statistics and its count of
// messages answered in place.
func (a *inPlace) count(s *Server) {
	if a.text > 0 {
		s.stats.text.Add(a.text)
		s.stats.textBytes.Add(a.textBytes)
	}
	if a.binary > 0 {
		s.stats.binary.Add(a.binary)
		s.stats.binaryBytes.Add(a.binaryBytes)
	}
	s.inPlace.Add(a.messages())
}

// writeThrough writes p, frames the server built itself, through
// gorilla's writer: gorilla is asked for a frame ready-made (an empty
// binary message, prepared once: Server.emptyFrames), and watchedConn.Write
// sends p in its place. So p takes its turn with the pings and closes
// other goroutines write, waits for the writer as their frames would,
// and is refused as theirs would once the server has sent its close
// (gorilla's ErrCloseSent) or a write has failed.
func (c *Conn) writeThrough(p []byte) error {
	c.nc.swap = p
	err := c.ws.WritePreparedMessage(c.empty)
	c.nc.swap = nil
	return err
}
