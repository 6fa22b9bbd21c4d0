package listener

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzPlainAlert sends the handshake stages any bytes in any pieces. The
// tail a Conn keeps is the last bytes of all it read, up to tailLen,
// however the reads cut them; and when those bytes end in an unencrypted
// alert record, crypto/tls's "bad record MAC" is reworded on one line
// naming the alert's code, and any other end leaves the error as it was.
func FuzzPlainAlert(f *testing.F) {
	f.Add([]byte("\x16\x03\x01\x00\x05hello\x15\x03\x03\x00\x02\x02\x30"), []byte{3, 1})
	f.Add([]byte("\x15\x03\x03\x00\x02\x02\x2a"), []byte{7})
	f.Add([]byte("\x15\x03\x01\x00\x02\x01\x00"), []byte(nil))
	f.Add([]byte("\x17\x03\x03\x00\x02\x02\x30"), []byte{1})
	f.Add([]byte("\x15\x03"), []byte{1})
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		st := &stageState{}
		p := &pieces{stream: bytes.Clone(stream), cuts: cuts}
		buf := make([]byte, 64)
		for {
			n, err := p.Read(buf)
			if err != nil {
				break
			}
			st.keepTail(buf[:n])
		}
		want := stream[len(stream)-min(len(stream), tailLen):]
		tail := st.tail[:st.tailN]
		if !bytes.Equal(tail, want) {
			t.Fatalf("tail %x after %x in pieces %v; want %x", tail, stream, cuts, want)
		}
		mac := errors.New("local error: tls: bad record MAC")
		got := plainAlert(mac, tail)
		isAlert := len(want) == alertRecordLen && want[0] == recordTypeAlert && want[1] == 3 && want[3] == 0 && want[4] == 2
		switch {
		case !isAlert && got != mac:
			t.Fatalf("tail %x, no alert record: %v", tail, got)
		case isAlert && (got == mac || !errors.Is(got, mac) || strings.ContainsAny(got.Error(), "\r\n") ||
			!strings.Contains(got.Error(), "("+strconv.Itoa(int(want[6]))+")")):
			t.Fatalf("tail %x, an alert record: %q", tail, got)
		}
		if other := errors.New("EOF"); plainAlert(other, tail) != other {
			t.Fatalf("another error reworded")
		}
	})
}
