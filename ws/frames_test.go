package ws

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// frameWatchTests are byte streams with the frames the watch must count.
var frameWatchTests = []struct {
	name          string
	stream        []byte
	frames, pongs uint64
	arriving      int64 // payload length of a frame left incomplete
	// misplaced: a frame with a misplaced RSV1 starts at misplacedAt,
	// the bytes the watch hands on; without it, all are.
	misplaced   bool
	misplacedAt int
	// closeDone: a close frame from the client arrives whole.
	closeDone bool
}{
	{name: "empty", stream: nil},
	{name: "one text frame", stream: frame{fin: true, op: opText, payload: []byte("hello")}.encode(), frames: 1},
	{name: "empty close", stream: frame{fin: true, op: opClose}.encode(), frames: 1, closeDone: true},
	{name: "pong", stream: frame{fin: true, op: opPong, payload: []byte("p")}.encode(), pongs: 1},
	{
		name: "fragments and control frames between them",
		stream: cat(
			frame{op: opText, payload: []byte("frag")}.encode(),
			frame{fin: true, op: opPing, payload: []byte("?")}.encode(),
			frame{fin: true, op: opPong}.encode(),
			frame{fin: true, op: opCont, payload: []byte("ment")}.encode(),
		),
		frames: 3, pongs: 1,
	},
	{name: "16-bit length", stream: frame{fin: true, op: opBinary, payload: make([]byte, 300)}.encode(), frames: 1},
	{name: "64-bit length", stream: frame{fin: true, op: opBinary, payload: make([]byte, 70000)}.encode(), frames: 1},
	{name: "unmasked", stream: frame{fin: true, op: opBinary, payload: []byte("x"), unmasked: true}.encode(), frames: 1},
	{
		name:   "a frame cut short",
		stream: frame{fin: true, op: opBinary, payload: make([]byte, 1000)}.encode()[:500],
		// 8 bytes of header and mask, 492 of the payload.
		arriving: 1000,
	},
	{
		// gorilla gets nothing from the bad frame on; the watch follows
		// the frames after it, to see the client's close come.
		name: "RSV1 on a ping",
		stream: cat(
			frame{fin: true, op: opText, payload: []byte("a")}.encode(),
			frame{fin: true, rsv: rsv1, op: opPing}.encode(),
			frame{fin: true, op: opText, payload: []byte("b")}.encode(),
		),
		frames: 3, misplaced: true, misplacedAt: 7,
	},
	{
		name: "RSV1 on a continuation frame",
		stream: cat(
			frame{rsv: rsv1, op: opText, payload: []byte("a")}.encode(),
			frame{fin: true, rsv: rsv1, op: opCont, payload: []byte("b")}.encode(),
		),
		frames: 2, misplaced: true, misplacedAt: 7,
	},
	{
		// The first bad frame is where gorilla's stream ends, whatever
		// follows it.
		name: "RSV1 on two pings",
		stream: cat(
			frame{fin: true, op: opText, payload: []byte("a")}.encode(),
			frame{fin: true, rsv: rsv1, op: opPing}.encode(),
			frame{fin: true, rsv: rsv1, op: opPing}.encode(),
		),
		frames: 3, misplaced: true, misplacedAt: 7,
	},
	{
		name: "RSV1 on a pong, then the close",
		stream: cat(
			frame{fin: true, rsv: rsv1, op: opPong, payload: []byte("p")}.encode(),
			frame{fin: true, op: opClose, payload: closePayload(1002, "")}.encode(),
		),
		frames: 1, pongs: 1, misplaced: true, misplacedAt: 0, closeDone: true,
	},
	{
		name:   "a header cut short",
		stream: frame{fin: true, op: opBinary, payload: make([]byte, 70000)}.encode()[:5],
	},
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestFrameWatch feeds each stream whole and one byte at a time: the
// frames counted and the frame left arriving must not depend on how the
// stream was split by the reads.
func TestFrameWatch(t *testing.T) {
	t.Parallel()
	for _, tt := range frameWatchTests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{len(tt.stream) + 1, 1, 3} {
				var w frameWatch
				handed := 0
				for off := 0; off < len(tt.stream); off += step {
					handed += w.observe(tt.stream[off:min(off+step, len(tt.stream))])
				}
				if f, p, a := w.frames.Load(), w.pongs.Load(), w.arriving.Load(); f != tt.frames || p != tt.pongs || a != tt.arriving {
					t.Errorf("in reads of %d bytes: %d frames, %d pongs, %d arriving; want %d, %d, %d",
						step, f, p, a, tt.frames, tt.pongs, tt.arriving)
				}
				want := len(tt.stream)
				if tt.misplaced {
					want = tt.misplacedAt
				}
				if handed != want || w.misplacedRSV1 != tt.misplaced {
					t.Errorf("in reads of %d bytes: %d bytes handed on, misplaced RSV1 %v; want %d", step, handed, w.misplacedRSV1, want)
				}
				if w.closeDone != tt.closeDone {
					t.Errorf("in reads of %d bytes: close done %v, want %v", step, w.closeDone, tt.closeDone)
				}
			}
		})
	}
}

// FuzzFrameWatch checks that the watch never panics on any stream, and
// that how the stream is split into reads changes nothing it reports.
func FuzzFrameWatch(f *testing.F) {
	for _, tt := range frameWatchTests {
		f.Add(tt.stream, uint8(1))
	}
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		var whole, split frameWatch
		// The watch may change a close code in place (closecode.go):
		// each reading gets its own copy, and both must change the same.
		wholeBytes, splitBytes := bytes.Clone(stream), bytes.Clone(stream)
		wholeHanded := whole.observe(wholeBytes)
		n := int(step) + 1
		splitHanded := 0
		for off := 0; off < len(stream); off += n {
			splitHanded += split.observe(splitBytes[off:min(off+n, len(stream))])
		}
		if !bytes.Equal(wholeBytes, splitBytes) || whole.stoodIn.Load() != split.stoodIn.Load() {
			t.Fatalf("whole: % x (stood in %v); in reads of %d: % x (%v)",
				wholeBytes, whole.stoodIn.Load(), n, splitBytes, split.stoodIn.Load())
		}
		if wholeHanded != splitHanded || whole.misplacedRSV1 != split.misplacedRSV1 {
			t.Fatalf("whole: %d bytes handed on (misplaced RSV1 %v); in reads of %d: %d (%v)",
				wholeHanded, whole.misplacedRSV1, n, splitHanded, split.misplacedRSV1)
		}
		if whole.frames.Load() != split.frames.Load() || whole.pongs.Load() != split.pongs.Load() ||
			whole.arriving.Load() != split.arriving.Load() || whole.left != split.left || whole.hn != split.hn ||
			whole.closeDone != split.closeDone {
			t.Fatalf("whole: %d frames %d pongs %d arriving, close done %v; in reads of %d: %d, %d, %d, %v",
				whole.frames.Load(), whole.pongs.Load(), whole.arriving.Load(), whole.closeDone, n,
				split.frames.Load(), split.pongs.Load(), split.arriving.Load(), split.closeDone)
		}
		// With a message limit, what has arrived of the message under
		// way (the discard's bound after a 1009) and the flags of the
		// first frame over the limit do not depend on the reads either.
		limited := [2]frameWatch{{limit: 64}, {limit: 64}}
		limited[0].observe(bytes.Clone(stream))
		chunks := bytes.Clone(stream)
		for off := 0; off < len(chunks); off += n {
			limited[1].observe(chunks[off:min(off+n, len(chunks))])
		}
		lw, ls := &limited[0], &limited[1]
		if lw.messageArrived() != ls.messageArrived() || lw.overSeen != ls.overSeen || lw.topBitLength.Load() != ls.topBitLength.Load() {
			t.Fatalf("limit 64, whole: %d arrived, over %v, top bit %v; in reads of %d: %d, %v, %v",
				lw.messageArrived(), lw.overSeen, lw.topBitLength.Load(), n, ls.messageArrived(), ls.overSeen, ls.topBitLength.Load())
		}
	})
}

// TestFrameWatchAnswers: the watch flags what the server must answer
// itself only for the frame gorilla fails on: the first close, and the
// first data frame that takes its message over the limit.
func TestFrameWatchAnswers(t *testing.T) {
	t.Parallel()
	topBit := func(op byte) []byte {
		return append(binary.BigEndian.AppendUint64([]byte{0x80 | op, 0x80 | 127}, 1<<63), 1, 2, 3, 4)
	}
	tests := []struct {
		name                 string
		stream               []byte
		shortClose, topBitOn bool
	}{
		{"1-byte close", frame{fin: true, op: opClose, payload: []byte{3}}.encode(), true, false},
		{"1-byte close after a valid one", cat(frame{fin: true, op: opClose, payload: closePayload(1000, "")}.encode(),
			frame{fin: true, op: opClose, payload: []byte{3}}.encode()), false, false},
		{"top bit", topBit(opBinary), false, true},
		{"top bit after a message", cat(frame{fin: true, op: opText, payload: []byte("ok")}.encode(), topBit(opBinary)), false, true},
		{"top bit after a frame over the limit", cat(frame{fin: true, op: opBinary, payload: make([]byte, 200)}.encode(), topBit(opBinary)), false, false},
		{"top bit on a continuation over the limit", cat(frame{op: opBinary, payload: make([]byte, 60)}.encode(), topBit(opCont)), false, true},
		{"a continuation taking the message over, then top bit", cat(frame{op: opBinary, payload: make([]byte, 60)}.encode(),
			frame{op: opCont, payload: make([]byte, 60)}.encode(), topBit(opCont)), false, false},
	}
	for _, tt := range tests {
		w := frameWatch{limit: 100}
		w.observe(tt.stream)
		if w.shortClose.Load() != tt.shortClose || w.topBitLength.Load() != tt.topBitOn {
			t.Errorf("%s: shortClose %v, topBitLength %v; want %v, %v", tt.name, w.shortClose.Load(), w.topBitLength.Load(), tt.shortClose, tt.topBitOn)
		}
	}
}
