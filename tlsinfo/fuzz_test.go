package tlsinfo

import (
	"bytes"
	"encoding/json"
	"runtime"
	"testing"
)

// FuzzReadClientHello feeds arbitrary bytes to the reader and parser: they
// must never panic, must return a prefix of the input within the limit,
// and must allocate in proportion to what they were given. The seeds in
// testdata/fuzz/FuzzReadClientHello are the real hellos of the JA4 test
// captures, one of them cut into records in several ways, and broken ones.
func FuzzReadClientHello(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		raw, h, err := ReadClientHello(bytes.NewReader(in))
		var desc []byte
		if h != nil {
			desc, _ = json.Marshal(DescribeHello(h))
			if len(h.JA4()) != 36 {
				t.Errorf("JA4 %q is not 36 characters", h.JA4())
			}
		}
		runtime.ReadMemStats(&after)
		if (h == nil) == (err == nil) {
			t.Errorf("hello %v with err %v", h, err)
		}
		if len(raw) > MaxHelloBytes || !bytes.HasPrefix(in, raw) {
			t.Errorf("raw is %d bytes, not a prefix of the %d given within the limit", len(raw), len(in))
		}
		// The reading buffer starts at 2 KiB and at most doubles past the
		// input; the hello's lists cost about their bytes on the wire; the
		// description, a string header per input byte at most (an ALPN
		// list of empty names), and JSON of its lists. Measured allocation is process-wide, hence the slack.
		limit := uint64(4096 + 4*len(in) + 40*len(in) + 4*len(desc) + 1<<20)
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("allocated %d bytes for %d bytes of input", got, len(in))
		}
		// A hello replayed in small records is the same hello, followed by
		// the same bytes; anything else is replayed as it came, but for a
		// whole ClientHello message the parser refused (Refragment does not
		// parse; the server calls it only for a hello it parsed), which
		// may be re-cut and must read to the same refusal.
		out := Refragment(raw)
		if h == nil {
			var a assembler
			if msg, ferr := a.feed(raw); ferr != nil || msg == nil || a.sslv2 {
				if !bytes.Equal(out, raw) {
					t.Errorf("refragmented %d bytes that hold no hello", len(raw))
				}
				return
			}
			if _, _, err2 := ReadClientHello(bytes.NewReader(out)); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("a refused hello, refragmented, reads otherwise: %v, was %v", err2, err)
			}
			return
		}
		_, h2, err := ReadClientHello(bytes.NewReader(out))
		if err != nil || h2.JA4R() != h.JA4R() || h2.JA3() != h.JA3() || string(h2.alpn) != string(h.alpn) {
			t.Errorf("the refragmented hello reads otherwise (%v): %s", err, h2.JA4R())
		} else if !bytes.Equal(afterHello(out), afterHello(raw)) {
			t.Errorf("bytes after the hello: %x, were %x", afterHello(out), afterHello(raw))
		}
	})
}

// afterHello is what b holds past the records of its hello.
func afterHello(b []byte) []byte {
	var a assembler
	a.feed(b)
	return b[a.pos:]
}
