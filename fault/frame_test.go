package fault

import (
	"bytes"
	"fmt"
	"testing"
)

var appendFrameTests = []struct {
	name    string
	op      byte
	fin     bool
	size    int
	wantHdr []byte
}{
	{"empty text", OpText, true, 0, []byte{0x81, 0}},
	{"125", OpBinary, true, 125, []byte{0x82, 125}},
	{"126 takes 16 bits", OpBinary, false, 126, []byte{0x02, 126, 0, 126}},
	{"65535", OpContinuation, true, 65535, []byte{0x80, 126, 0xff, 0xff}},
	{"65536 takes 64 bits", OpContinuation, false, 65536, []byte{0x00, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
}

func TestAppendFrame(t *testing.T) {
	for _, tt := range appendFrameTests {
		t.Run(tt.name, func(t *testing.T) {
			payload := bytes.Repeat([]byte{'p'}, tt.size)
			f := AppendFrame([]byte("prefix"), tt.op, tt.fin, payload)
			f = bytes.TrimPrefix(f, []byte("prefix"))
			if !bytes.HasPrefix(f, tt.wantHdr) || len(f) != len(tt.wantHdr)+tt.size {
				t.Fatalf("frame header % x (len %d), want % x then %d bytes", f[:min(len(f), 10)], len(f), tt.wantHdr, tt.size)
			}
		})
	}
}

func TestFragments(t *testing.T) {
	type fr struct {
		op  byte
		fin bool
		p   string
	}
	tests := []struct {
		msg  string
		max  int
		want []fr
	}{
		{"", 3, []fr{{OpText, true, ""}}},
		{"ab", 3, []fr{{OpText, true, "ab"}}},
		{"abc", 3, []fr{{OpText, true, "abc"}}},
		{"abcdefg", 3, []fr{{OpText, false, "abc"}, {OpContinuation, false, "def"}, {OpContinuation, true, "g"}}},
		{"abcd", 0, []fr{{OpText, true, "abcd"}}},
	}
	for _, tt := range tests {
		var got []fr
		Fragments(OpText, []byte(tt.msg), tt.max, func(op byte, fin bool, p []byte) error {
			got = append(got, fr{op, fin, string(p)})
			return nil
		})
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Fragments(%q, %d) = %v, want %v", tt.msg, tt.max, got, tt.want)
		}
	}
}

const upgradeHead = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"

func TestFrameObserver(t *testing.T) {
	var stream []byte
	stream = append(stream, upgradeHead...)
	stream = AppendFrame(stream, OpText, true, []byte("whole"))
	stream = AppendFrame(stream, 0x9, true, []byte("ping")) // a control frame between messages
	stream = AppendFrame(stream, OpBinary, false, bytes.Repeat([]byte{1}, 300))
	stream = AppendFrame(stream, 0xA, true, nil) // and one inside a message (RFC 6455 section 5.4)
	stream = AppendFrame(stream, OpContinuation, false, bytes.Repeat([]byte{2}, 70000))
	stream = AppendFrame(stream, OpContinuation, true, []byte{3})
	// Fed a byte at a time and all at once, the answer is the same.
	for _, step := range []int{1, 7, len(stream)} {
		var o FrameObserver
		for p := stream; len(p) > 0; {
			k := min(step, len(p))
			o.Write(p[:k])
			p = p[k:]
		}
		got := o.Take()
		want := []Framing{{Frames: 1, Largest: 5}, {Frames: 3, Largest: 70000}}
		if fmt.Sprint(got) != fmt.Sprint(want) || o.Controls() != 2 {
			t.Fatalf("step %d: %v with %d control frames, want %v with 2", step, got, o.Controls(), want)
		}
		if again := o.Take(); len(again) != 0 {
			t.Fatalf("second Take = %v, want nothing new", again)
		}
	}
}

// FuzzFrameObserver feeds arbitrary bytes after a response head (they must
// never panic or grow the observer past its bound), and checks that
// messages framed by AppendFrame from the input are observed as framed.
func FuzzFrameObserver(f *testing.F) {
	f.Add([]byte("hello"), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Add(bytes.Repeat([]byte{0x81, 0x7f}, 20), uint8(1))
	f.Add(AppendFrame(nil, OpText, false, []byte("x")), uint8(200))
	f.Fuzz(func(t *testing.T, data []byte, most uint8) {
		var raw FrameObserver
		raw.Write([]byte(upgradeHead))
		raw.Write(data)
		if n := len(raw.Take()); n > maxPending {
			t.Fatalf("%d messages kept, more than %d", n, maxPending)
		}

		var stream []byte
		frames, largest := 0, 0
		Fragments(OpBinary, data, int(most), func(op byte, fin bool, p []byte) error {
			stream = AppendFrame(stream, op, fin, p)
			frames++
			largest = max(largest, len(p))
			return nil
		})
		var o FrameObserver
		o.Write([]byte(upgradeHead))
		o.Write(stream)
		got := o.Take()
		if len(got) != 1 || got[0].Frames != frames || got[0].Largest != int64(largest) {
			t.Fatalf("%d bytes in frames of %d: observed %v, want 1 message of %d frames", len(data), most, got, frames)
		}
	})
}
