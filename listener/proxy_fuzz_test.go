package listener

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// pieces is a reader that returns stream in pieces whose sizes come from
// cuts, as TCP segments would arrive.
type pieces struct {
	stream, cuts []byte
	i            int
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.stream) == 0 {
		return 0, io.EOF
	}
	n := len(p.stream)
	if len(p.cuts) > 0 {
		n = min(n, max(1, int(p.cuts[p.i%len(p.cuts)])))
		p.i++
	}
	n = copy(b, p.stream[:n])
	p.stream = p.stream[n:]
	return n, nil
}

// FuzzAwaitV1Line feeds awaitV1Line input cut anywhere and checks that it
// consumes nothing, fails only at the input's end, and returns on input
// that starts a v1 header only once the buffer holds the header's whole
// line or the most a header may be.
func FuzzAwaitV1Line(f *testing.F) {
	f.Add([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\nGET / HTTP/1.1\r\n"), []byte{7})
	f.Add([]byte("PROXY TCP4 203.0"), []byte{3, 1})
	f.Add([]byte("POST / HTTP/1.1\r\n"), []byte{1})
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c"), []byte(nil))
	f.Add(append([]byte("PROXY "), bytes.Repeat([]byte{' '}, 200)...), []byte{50})
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		br := bufio.NewReaderSize(&pieces{stream: stream, cuts: cuts}, proxyBufSize)
		err := awaitV1Line(br)
		got, _ := br.Peek(br.Buffered())
		if !bytes.HasPrefix(stream, got) {
			t.Fatalf("buffered %q, not the start of the input", got)
		}
		rest, _ := io.ReadAll(br)
		if !bytes.Equal(rest, stream) {
			t.Fatalf("read back %q after the wait, want the input %q", rest, stream)
		}
		if err != nil {
			if err != io.EOF || len(got) != len(stream) {
				t.Fatalf("error %v with %d of %d bytes buffered", err, len(got), len(stream))
			}
			return
		}
		if len(got) >= 5 && string(got[:5]) == "PROXY" && bytes.IndexByte(got, '\n') < 0 && len(got) < maxV1Header {
			t.Fatalf("returned with %q buffered: no line end, short of %d bytes, input not at its end", got, maxV1Header)
		}
	})
}

// FuzzCheckCRC32C checks that the CRC32C check never panics on any header
// bytes, and that a header whose checksum is put right passes it.
func FuzzCheckCRC32C(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzCheckCRC32C.
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkCRC32C(raw)
		val, err := findCRC32C(raw)
		if err != nil || val < 0 {
			return
		}
		binary.BigEndian.PutUint32(raw[val:], headerCRC32C(raw, val))
		if err := checkCRC32C(raw); err != nil {
			t.Fatalf("with its checksum put right: %v", err)
		}
	})
}
