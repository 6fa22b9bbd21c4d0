package fault

import (
	"encoding/binary"
	"testing"
)

// FuzzRecordObserver splits arbitrary bytes (never panicking, never
// keeping more than its bound) and records framed from the input, which
// it must see exactly, however the stream is cut into writes.
func FuzzRecordObserver(f *testing.F) {
	f.Add([]byte{23, 3, 3, 0, 1, 'x'}, uint8(1))
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40, 22, 3, 1}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		var raw RecordObserver
		raw.Write(data)
		if n := len(raw.Records()); n > maxPending {
			t.Fatalf("%d records kept, more than %d", n, maxPending)
		}

		// The input as the payloads of records of at most 255 bytes.
		var stream []byte
		var want []Record
		for p := data; len(p) > 0; {
			k := min(len(p), 255)
			stream = append(stream, 23, 3, 3)
			stream = binary.BigEndian.AppendUint16(stream, uint16(k))
			stream = append(stream, p[:k]...)
			want = append(want, Record{Type: 23, Len: k})
			p = p[k:]
		}
		var o RecordObserver
		step := int(cut) + 1
		for p := stream; len(p) > 0; {
			k := min(len(p), step)
			o.Write(p[:k])
			p = p[k:]
		}
		got := o.Records()
		if len(got) != len(want) {
			t.Fatalf("%d records seen, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("record %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}
