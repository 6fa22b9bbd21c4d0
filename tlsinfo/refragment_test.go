package tlsinfo

import (
	"bytes"
	"testing"
)

// helloRecords returns the sizes of the records, headers included, that
// carry raw's hello, and the bytes before them (warning alerts) and past
// them.
func helloRecords(t *testing.T, raw []byte) (sizes []int, before, rest []byte) {
	t.Helper()
	var a assembler
	msg, err := a.feed(raw)
	if err != nil || msg == nil {
		t.Fatalf("no hello in the %d bytes: %v", len(raw), err)
	}
	for b := raw[:a.pos]; len(b) > 0; {
		n := recordHeaderLen + recordSize(b)
		if b[0] == recordTypeHandshake {
			sizes = append(sizes, n)
		} else if sizes == nil {
			before = raw[:a.pos-len(b)+n]
		}
		b = b[n:]
	}
	return sizes, before, raw[a.pos:]
}

func TestRefragment(t *testing.T) {
	chrome := chromeHello(t) // one record, a message of 512 bytes
	tail := []byte{20, 3, 3, 0, 1, 1, 23, 3, 3}
	tests := []struct {
		name   string
		in     []byte
		pieces []int // payload sizes of the hello's new records
		same   bool  // the bytes given back, not a copy
	}{
		{"a hello that fits one small record stays as it is", chrome, []int{512}, true},
		{"after a warning alert too", cat(warning, chrome), []int{512}, true},
		{"1.5 KiB: four records", paddedHello(1474), []int{370, 370, 370, 368}, false},
		{"2 KiB: four records", paddedHello(2044), []int{512, 512, 512, 512}, false},
		{"a record per byte", rerecord(chrome, ones(len(chrome))...), []int{512}, false},
		{"40 KB in 16 KiB records", paddedHello(40000), nil, false},
		{"warning alerts before it and records after it stay", cat(warning, warning, paddedHello(1474), tail), []int{370, 370, 370, 368}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, want, err := ReadClientHello(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			out := Refragment(tt.in)
			raw, h, err := ReadClientHello(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("the refragmented hello does not read: %v", err)
			}
			if h.JA4R() != want.JA4R() || h.JA3() != want.JA3() {
				t.Errorf("hello differs: %s", h.JA4R())
			}
			if !bytes.Equal(raw, out) {
				t.Errorf("the read took %d of the %d bytes", len(raw), len(out))
			}
			sizes, before, rest := helloRecords(t, out)
			_, wantBefore, wantRest := helloRecords(t, tt.in)
			if !bytes.Equal(before, wantBefore) || !bytes.Equal(rest, wantRest) {
				t.Errorf("around the hello: %x and %x, want %x and %x", before, rest, wantBefore, wantRest)
			}
			if tt.same && &out[0] != &tt.in[0] {
				t.Error("made a copy of a hello it left as it was")
			}
			for i, n := range sizes {
				if n > recordHeaderLen+maxFragment {
					t.Errorf("record %d is %d bytes, over %d", i, n, recordHeaderLen+maxFragment)
				}
				if tt.pieces != nil && (len(sizes) != len(tt.pieces) || n != recordHeaderLen+tt.pieces[i]) {
					t.Errorf("records of %v bytes, want payloads of %v", sizes, tt.pieces)
					break
				}
			}
		})
	}
}

func TestRefragmentLeavesTheRest(t *testing.T) {
	chrome := chromeHello(t)
	tests := []struct {
		name string
		in   []byte
	}{
		{"nothing", nil},
		{"plain HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"half a hello", chrome[:300]},
		{"a header only", chrome[:5]},
		{"an alert inside the hello", cat(rerecord(chrome, 100)[:105], warning, rerecord(chrome, 100)[105:])},
		{"another message in the hello's record", func() []byte {
			b := cat(chrome, []byte{2, 0, 0, 0})
			b[3], b[4] = byte((len(b)-5)>>8), byte(len(b)-5)
			return b
		}()},
		{"a zero-length record", cat([]byte{22, 3, 1, 0, 0}, chrome)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Refragment(tt.in)
			if !bytes.Equal(out, tt.in) || (len(out) > 0 && &out[0] != &tt.in[0]) {
				t.Errorf("changed: %x", out)
			}
		})
	}
}

func TestNextRecord(t *testing.T) {
	chrome := chromeHello(t)
	two := cat(chrome, warning)
	for _, tt := range []struct {
		in   []byte
		want int
	}{
		{nil, 0},
		{chrome[:3], 3},
		{chrome[:100], 100},
		{chrome, len(chrome)},
		{two, len(chrome)},
		{two[len(chrome):], len(warning)},
	} {
		if got := NextRecord(tt.in); got != tt.want {
			t.Errorf("NextRecord of %d bytes: %d, want %d", len(tt.in), got, tt.want)
		}
	}
}
