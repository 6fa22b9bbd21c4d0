package fault

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// recordMessages is a Messages whose one message is read through a
// reader of the test's making, and whose writes are recorded.
type recordMessages struct {
	r      io.Reader
	mt     int
	frames [][]byte
	whole  [][]byte
}

var errNoMore = errors.New("no more messages")

func (m *recordMessages) NextReader() (int, io.Reader, error) {
	if m.r == nil {
		return 0, nil, errNoMore
	}
	r := m.r
	m.r = nil
	return m.mt, r, nil
}

func (m *recordMessages) WriteMessage(mt int, p []byte) error {
	m.whole = append(m.whole, bytes.Clone(p))
	return nil
}

func (m *recordMessages) WriteFrame(f []byte) error {
	m.frames = append(m.frames, bytes.Clone(f))
	return nil
}

// TestStreamDataWithEOF: a reader that returns the message's last bytes
// together with io.EOF, as compress/flate does at a final block (a
// permessage-deflate message whose data ends with BFINAL set), loses
// none of them, whether they end in the byte after a piece or not.
func TestStreamDataWithEOF(t *testing.T) {
	for _, tt := range []struct {
		spec string
		size int
	}{
		{"close:4000@1000", streamPiece + 1},
		{"close:4000@1000", 2*streamPiece + 1},
		{"frag:100", 101},
		{"frag:100", 201},
		{"frag:5000", 5001},
	} {
		spec, err := Parse(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		budget := NewBudget(DefaultMemory)
		in := newInjector(t, Options{Memory: budget})
		s := in.Start(spec, ConnInfo{Listener: "http"}, Target{})
		msg := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
		m := &recordMessages{r: iotest.DataErrReader(bytes.NewReader(msg)), mt: 2}
		if err := s.EchoMessages(m); !errors.Is(err, errNoMore) {
			t.Fatalf("%s, %d bytes: EchoMessages: %v", tt.spec, tt.size, err)
		}
		s.Stop()
		var got []byte
		for _, f := range m.frames {
			got = append(got, framePayload(t, f)...)
		}
		for _, w := range m.whole {
			got = append(got, w...)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("%s: a message of %d bytes came back as %d in %d frames", tt.spec, tt.size, len(got), len(m.frames)+len(m.whole))
		}
		if n := budget.InUse(); n != 0 {
			t.Errorf("%s: %d bytes of the budget held after the echo", tt.spec, n)
		}
	}
}

// framePayload is the payload of a server frame (unmasked).
func framePayload(t *testing.T, f []byte) []byte {
	t.Helper()
	n, h := int(f[1]&0x7f), 2
	switch n {
	case 126:
		n, h = int(f[2])<<8|int(f[3]), 4
	case 127:
		n = 0
		for _, b := range f[2:10] {
			n = n<<8 | int(b)
		}
		h = 10
	}
	if len(f) != h+n {
		t.Fatalf("frame of %d bytes says %d of payload behind %d of header", len(f), n, h)
	}
	return f[h:]
}
