package main

import "encoding/binary"

// answers is what answer made of the whole frames a buffer starts with:
// b[from:to] holds the server's frames, and the client's took b[:taken].
type answers struct {
	from, to, taken int
	// closed: the last frame taken was the client's close, whose echo
	// is the last answer.
	closed bool
	// unmasked: the frame after those taken carries no mask, which a
	// client's must (RFC 6455 section 5.1); the connection ends with 1002.
	unmasked bool
}

// answer turns the whole client frames that b starts with into the
// server's answers, where they lie: each frame back with the same first
// byte (a ping's opcode made a pong's), its payload unmasked, behind a
// header at least 4 bytes shorter than the client's, so each answer fits
// where its frame was. It stops at a frame not all in b, after a close,
// or at an unmasked frame, whose bytes it leaves as they came.
//
// Nothing else is checked: not the reserved bits, the opcode, UTF-8 or a
// limit. The floor answers a well-behaved client and nothing more.
func answer(b []byte) answers {
	a := answers{from: -1}
	for !a.closed {
		f := b[a.taken:]
		if len(f) < 2 {
			break
		}
		if f[1]&0x80 == 0 {
			a.unmasked = true
			break
		}
		n, h := uint64(f[1]&0x7F), 2
		switch n {
		case 126:
			if len(f) < 4 {
				return a.done()
			}
			n, h = uint64(binary.BigEndian.Uint16(f[2:4])), 4
		case 127:
			if len(f) < 10 {
				return a.done()
			}
			n, h = binary.BigEndian.Uint64(f[2:10]), 10
		}
		h += 4 // the masking key
		if len(f) < h || n > uint64(len(f)-h) {
			break
		}
		first, key := f[0], binary.LittleEndian.Uint32(f[h-4:h])
		unmask(f[h:h+int(n)], key)
		if first&0x0F == 0x9 {
			first = first&0xF0 | 0xA // a ping's answer is a pong
		}
		// The server's header ends where the client's did, over the
		// masking key, read already.
		sh := serverHeaderLen(n)
		start := a.taken + h - sh
		putHeader(b[start:start+sh], first, n)
		if a.from < 0 {
			a.from, a.to = start, start
		}
		if a.to == start {
			a.to += sh + int(n)
		} else {
			a.to += copy(b[a.to:], b[start:a.taken+h+int(n)])
		}
		a.taken += h + int(n)
		a.closed = first&0x0F == 0x8
	}
	return a.done()
}

// done is a as answer returns it: from is 0 when nothing was answered.
func (a answers) done() answers {
	if a.from < 0 {
		a.from, a.to = 0, 0
	}
	return a
}

// serverHeaderLen is the size of an unmasked header for n bytes of payload.
func serverHeaderLen(n uint64) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

// putHeader writes into hdr, of serverHeaderLen(n) bytes, an unmasked
// header with first as its first byte, for n bytes of payload.
func putHeader(hdr []byte, first byte, n uint64) {
	hdr[0] = first
	switch len(hdr) {
	case 2:
		hdr[1] = byte(n)
	case 4:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(n))
	default:
		hdr[1] = 127
		binary.BigEndian.PutUint64(hdr[2:], n)
	}
}

// unmask applies the masking key, as the 4 bytes read little-endian, to
// b (RFC 6455 section 5.3), 8 bytes at a time.
func unmask(b []byte, key uint32) {
	k := uint64(key) | uint64(key)<<32
	le := binary.LittleEndian
	for len(b) >= 8 {
		le.PutUint64(b, le.Uint64(b)^k)
		b = b[8:]
	}
	// What is left starts at a multiple of 8 bytes: at the key's first.
	for i := range b {
		b[i] ^= byte(key >> (8 * (i & 3)))
	}
}
