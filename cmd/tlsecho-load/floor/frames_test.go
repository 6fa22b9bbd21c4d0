package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// clientFrame is a masked client frame with first as its first byte.
func clientFrame(first byte, payload []byte, key uint32) []byte {
	var b []byte
	b = append(b, first)
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = binary.LittleEndian.AppendUint32(b, key)
	for i, c := range payload {
		b = append(b, c^byte(key>>(8*(i&3))))
	}
	return b
}

// TestAnswer: the answers of a batch, and where answer stops.
func TestAnswer(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 70_000)
	var batch []byte
	batch = append(batch, clientFrame(0x82, []byte("hi"), 0x11223344)...)
	batch = append(batch, clientFrame(0x01, []byte("fr"), 0xA5A5A5A5)...) // a first fragment
	batch = append(batch, clientFrame(0x89, []byte("ping"), 0x01020304)...)
	batch = append(batch, clientFrame(0x80, bytes.Repeat([]byte("x"), 300), 0xDEADBEEF)...)
	batch = append(batch, clientFrame(0x82, big, 0x0BADF00D)...)
	want := []byte{0x82, 2, 'h', 'i', 0x01, 2, 'f', 'r', 0x8A, 4, 'p', 'i', 'n', 'g', 0x80, 126, 1, 44}
	want = append(want, bytes.Repeat([]byte("x"), 300)...)
	want = append(want, 0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70)
	want = append(want, big...)
	for _, tc := range []struct {
		name   string
		in     []byte
		want   []byte
		taken  int
		closed bool
		bad    bool
	}{
		{"batch", batch, want, len(batch), false, false},
		{"cut", batch[:len(batch)-1], want[:len(want)-len(big)-10], len(batch) - len(big) - 14, false, false},
		{"cut in a 16-bit length", []byte{0x82, 0x80 | 126, 1}, nil, 0, false, false},
		{"cut in a 64-bit length", []byte{0x82, 0x80 | 127, 0, 0, 0}, nil, 0, false, false},
		{"cut in the key", []byte{0x82, 0x80, 1, 2, 3}, nil, 0, false, false},
		{"a length past any buffer", []byte{0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}, nil, 0, false, false},
		{"close, then more", append(clientFrame(0x88, []byte{3, 0xE8}, 9), clientFrame(0x82, []byte("z"), 9)...), []byte{0x88, 2, 3, 0xE8}, 8, true, false},
		{"unmasked after one", append(clientFrame(0x82, []byte("a"), 5), 0x82, 1, 'b'), []byte{0x82, 1, 'a'}, 7, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(tc.in)
			a := answer(b)
			if !bytes.Equal(b[a.from:a.to], tc.want) || a.taken != tc.taken || a.closed != tc.closed || a.unmasked != tc.bad {
				t.Errorf("answers %d bytes (want %d, equal: %v), took %d (want %d), closed %v, unmasked %v",
					a.to-a.from, len(tc.want), bytes.Equal(b[a.from:a.to], tc.want), a.taken, tc.taken, a.closed, a.unmasked)
			}
			if !bytes.Equal(b[a.taken:], tc.in[a.taken:]) {
				t.Error("changed bytes after the frames it took")
			}
		})
	}
}

// FuzzAnswer compares answer with a frame-by-frame reading of the same
// bytes: the frames it took, answered one by one, must be what it wrote,
// and it must stop where that reading says to.
func FuzzAnswer(f *testing.F) {
	f.Add(clientFrame(0x82, []byte("hello"), 0x01020304))
	f.Add(append(clientFrame(0x81, []byte("é"), 7), clientFrame(0x89, nil, 8)...))
	f.Add(clientFrame(0x82, bytes.Repeat([]byte{7}, 200), 0xFFFFFFFF))
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		a := answer(b)
		var want []byte
		at, closed := 0, false
		for at < a.taken {
			first, payload, size, ok := readFrame(orig[at:])
			if !ok {
				t.Fatalf("took a frame at %d that is not whole and masked", at)
			}
			if closed {
				t.Fatalf("took a frame at %d, after a close", at)
			}
			if first&0x0F == 0x9 {
				first = first&0xF0 | 0xA
			}
			hdr := make([]byte, serverHeaderLen(uint64(len(payload))))
			putHeader(hdr, first, uint64(len(payload)))
			want = append(append(want, hdr...), payload...)
			closed = first&0x0F == 0x8
			at += size
		}
		if at != a.taken {
			t.Fatalf("took %d bytes, which end inside a frame (at %d)", a.taken, at)
		}
		if _, _, _, ok := readFrame(orig[a.taken:]); ok && !closed {
			t.Fatalf("stopped at %d, before a whole masked frame", a.taken)
		}
		if a.closed != closed {
			t.Fatalf("closed %v, want %v", a.closed, closed)
		}
		if unmasked := !closed && len(orig) > a.taken+1 && orig[a.taken+1]&0x80 == 0; a.unmasked != unmasked {
			t.Fatalf("unmasked %v, want %v", a.unmasked, unmasked)
		}
		if !bytes.Equal(b[a.from:a.to], want) {
			t.Fatalf("answers % x, want % x", b[a.from:a.to], want)
		}
		if !bytes.Equal(b[a.taken:], orig[a.taken:]) {
			t.Fatal("changed bytes after the frames it took")
		}
	})
}

// readFrame reads the frame b starts with, plainly: ok when it is whole
// and masked, with its first byte, its payload unmasked and its size on
// the wire.
func readFrame(b []byte) (first byte, payload []byte, size int, ok bool) {
	if len(b) < 2 || b[1]&0x80 == 0 {
		return 0, nil, 0, false
	}
	n, h := uint64(b[1]&0x7F), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil, 0, false
		}
		n, h = uint64(b[2])<<8|uint64(b[3]), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, 0, false
		}
		n, h = 0, 10
		for _, c := range b[2:10] {
			n = n<<8 | uint64(c)
		}
	}
	if len(b) < h+4 || n > uint64(len(b)-h-4) {
		return 0, nil, 0, false
	}
	key := b[h : h+4]
	for i := range int(n) {
		payload = append(payload, b[h+4+i]^key[i%4])
	}
	return b[0], payload, h + 4 + int(n), true
}
