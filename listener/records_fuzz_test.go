package listener

import "testing"

// recordsIn is the reference the watch is checked against: how many TLS
// records b holds whole, and whether it ends inside one.
func recordsIn(b []byte) (complete uint16, inside bool) {
	for len(b) > 0 {
		if len(b) < 5 {
			return complete, true
		}
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if len(b) < n {
			return complete, true
		}
		b = b[n:]
		complete++
	}
	return complete, false
}

// FuzzRecordWatch feeds a stream to the watch in pieces cut anywhere (the
// sizes taken from cuts) and checks, after every piece, its count of whole
// records and what it says crypto/tls may hold against recordsIn.
func FuzzRecordWatch(f *testing.F) {
	f.Add([]byte("\x17\x03\x03\x00\x05hello\x17\x03\x03\x00\x00"), []byte{3})
	f.Add([]byte("\x16\x03\x01\x00\x02hi\x17\x03"), []byte{1, 7, 2})
	f.Add([]byte("\x17\x03\x03\x00\x05hello\x17\x03\x03\x00\x01!"), []byte(nil))
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		var w recordWatch
		for i, at := 0, 0; at < len(stream); i++ {
			n := len(stream) - at
			if len(cuts) > 0 {
				n = min(n, max(1, int(cuts[i%len(cuts)])))
			}
			before := w.complete
			w.read(stream[at : at+n])
			at += n
			complete, inside := recordsIn(stream[:at])
			if w.complete != complete {
				t.Fatalf("after %d bytes: %d records complete, want %d", at, w.complete, complete)
			}
			want := UnreadNone
			switch {
			case complete > before:
				want = UnreadMaybe
			case inside:
				want = UnreadPartial
			}
			if got := w.unread(); got != want {
				t.Fatalf("after %d bytes (%d records complete, inside one %v): unread %d, want %d", at, complete, inside, got, want)
			}
		}
	})
}
