package httphead

import (
	"bytes"
	"testing"
)

// TestEnd: the head ends at its first empty line, with either line end,
// however the stream is cut, and a body that looks like a head's end is
// handed on whole.
func TestEnd(t *testing.T) {
	t.Parallel()
	body := []byte("frames\r\n\r\nmore\n\n")
	for _, head := range []string{
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
		"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\r\n\r\n",
	} {
		stream := append([]byte(head), body...)
		for step := 1; step <= len(stream); step++ {
			var e End
			var got []byte
			for off := 0; off < len(stream); off += step {
				got = append(got, e.Skip(stream[off:min(off+step, len(stream))])...)
			}
			if !e.Found() || !bytes.Equal(got, body) {
				t.Fatalf("%q in pieces of %d: after the head %q (found %v), want %q", head, step, got, e.Found(), body)
			}
		}
	}
	var e End
	if e.Skip([]byte("HTTP/1.1 101 Switching Protocols\r\nX: y\r\n")) != nil || e.Found() {
		t.Fatal("a head not ended yet was taken for ended")
	}
}
