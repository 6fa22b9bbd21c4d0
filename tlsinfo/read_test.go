package tlsinfo

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"net"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// chromeHello returns the records of a Chrome ClientHello from the JA4
// test captures: one record, 517 bytes.
func chromeHello(t testing.TB) []byte {
	t.Helper()
	vectors := foxioVectors(t)
	b, err := hex.DecodeString(vectors[1].Records)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// warning is a warning alert record (user_canceled), which crypto/tls
// passes over before the ClientHello.
var warning = []byte{21, 3, 1, 0, 2, 1, 90}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ones is n ones: record sizes for a record per byte.
func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// paddedHello is a minimal ClientHello whose body is n bytes (at least
// 47), padded with the padding extension (RFC 7685), in records of at
// most 16 KiB.
func paddedHello(n int) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(make([]byte, 32))
		b.AddUint8(0) // no session id
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x0015)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, n-47)) })
		})
	})
	msg := b.BytesOrPanic()
	return rerecord(append([]byte{22, 3, 1, 0, 0}, msg...), 1<<14, 1<<14, 1<<14, 1<<14)
}

// rerecord cuts the handshake message of a one-record hello into records
// of the given payload sizes (the last takes the rest).
func rerecord(rec []byte, sizes ...int) []byte {
	msg := rec[5:]
	var out []byte
	for i := 0; len(msg) > 0; i++ {
		n := len(msg)
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
		}
		out = append(out, 22, 3, 1, byte(n>>8), byte(n))
		out = append(out, msg[:n]...)
		msg = msg[n:]
	}
	return out
}

func TestReadClientHelloReassembles(t *testing.T) {
	whole := chromeHello(t)
	_, want, err := ReadClientHello(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		r    func(io.Reader) io.Reader
	}{
		{"one record, one read", whole, nil},
		{"one byte per read", whole, iotest.OneByteReader},
		{"records of 100 bytes", rerecord(whole, 100, 100, 100, 100, 100), nil},
		{"header split across records", rerecord(whole, 1, 2), iotest.HalfReader},
		{"a record per byte of the header, then a byte per read", rerecord(whole, 1, 1, 1, 1), iotest.OneByteReader},
		{"a record per byte", rerecord(whole, ones(len(whole))...), nil},
		// crypto/tls passes over warning alerts and takes any record
		// version below 0x1000 before the hello; so does the read.
		{"warning alerts before and inside it", cat(warning, warning, rerecord(whole, 100)[:105], warning, rerecord(whole, 100)[105:]), iotest.HalfReader},
		{"record version 0x0000", cat([]byte{22, 0, 0}, whole[3:]), nil},
		// crypto/tls counts warnings in a row: a handshake record starts
		// the count again, so 16 before and 16 inside it pass.
		{"16 warnings before it and 16 inside it", cat(bytes.Repeat(warning, maxWarnings), rerecord(whole, 100)[:105],
			bytes.Repeat(warning, maxWarnings), rerecord(whole, 100)[105:]), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tt.in)
			if tt.r != nil {
				r = tt.r(r)
			}
			raw, h, err := ReadClientHello(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, tt.in) {
				t.Errorf("raw is not the %d bytes sent (%d)", len(tt.in), len(raw))
			}
			if h.JA4R() != want.JA4R() || h.JA3() != want.JA3() {
				t.Errorf("hello differs: %s", h.JA4R())
			}
		})
	}
}

func TestReadClientHelloKeepsWhatFollows(t *testing.T) {
	// A TLS 1.3 client may send change_cipher_spec and early data right
	// behind its hello: it is read along and must be replayed.
	in := append(chromeHello(t), 20, 3, 3, 0, 1, 1)
	raw, h, err := ReadClientHello(bytes.NewReader(in))
	if err != nil || h == nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, in) {
		t.Errorf("raw %d bytes, want all %d", len(raw), len(in))
	}

	// Another message behind the hello in its record: crypto/tls answers
	// the hello before it finds it, so the hello is read all the same.
	whole := chromeHello(t)
	msgLen := len(whole) - 5
	in = append([]byte{22, 3, 1, byte((msgLen + 4) >> 8), byte(msgLen + 4)}, whole[5:]...)
	in = append(in, 20, 0, 0, 0)
	raw, h, err = ReadClientHello(bytes.NewReader(in))
	if err != nil || h == nil || !bytes.Equal(raw, in) {
		t.Fatalf("message after the hello: %v, %d of %d bytes", err, len(raw), len(in))
	}
	if _, want, _ := ReadClientHello(bytes.NewReader(whole)); h.JA4R() != want.JA4R() {
		t.Errorf("message after the hello: read %s, want %s", h.JA4R(), want.JA4R())
	}
}

func TestReadClientHelloRefuses(t *testing.T) {
	whole := chromeHello(t)
	tooLong := []byte{22, 3, 1, 0x40, 0x01}
	huge := []byte{22, 3, 1, 0, 4, 1, 0x10, 0, 0} // declares 1 MiB
	// A hello of 64 KiB in records of 4 bytes: more than MaxHelloBytes
	// of records before it ends.
	manyRecords := []byte{22, 3, 1, 0, 4, 1, 0, 0xff, 0xff}
	for len(manyRecords) < MaxHelloBytes+100 {
		manyRecords = append(manyRecords, 22, 3, 1, 0, 4, 0, 0, 0, 0)
	}
	// Every byte of a hello in a record of its own, in one piece.
	byteRecords := rerecord(append([]byte{22, 3, 1, 0, 0, 1, 0, 0xea, 0x60}, make([]byte, 22000)...), ones(22004)...)
	tooManyWarnings := cat(bytes.Repeat(warning, maxWarnings+1), whole)
	tests := []struct {
		name    string
		in      []byte
		notTLS  bool
		wantErr string
	}{
		{"plain HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true, "not a handshake"},
		{"fatal alert", []byte{21, 3, 3, 0, 2, 2, 40}, true, "alert 40 of level 2"},
		{"close_notify", []byte{21, 3, 3, 0, 2, 1, 0}, true, "alert 0 of level 1"},
		{"long alert", []byte{21, 3, 3, 0, 3, 1, 90, 0}, true, "alert record of 3 bytes"},
		{"short alert", []byte{21, 3, 3, 0, 1, 1}, true, "alert record of 1 byte"},
		{"17 warnings in a row", tooManyWarnings, true, "alert 90 of level 1"},
		{"SSL 2.0 server hello", []byte{0x80, 0x2e, 4, 0, 2}, true, "SSL 2.0 message type 4"},
		{"SSL 2.0 hello of no version", []byte{0x80, 0x2e, 1, 0x47, 0x45}, true, "version 0x4745"},
		{"SSL 2.0 hello too short", []byte{0x80, 4, 1, 3, 1, 0}, true, "of 4 bytes"},
		{"SSL 2.0 hello of 1 byte", []byte{0x80, 1, 1, 3, 1, 0}, true, "of 1 byte"},
		{"SSL 2.0 hello, truncated", []byte{0x80, 0x2e, 1, 0, 2}, false, io.ErrUnexpectedEOF.Error()},
		{"SSL 2.0 hello, specs not of 3 bytes", []byte{0x80, 11, 1, 3, 1, 0, 2, 0, 0, 0, 0, 0, 4}, false, "malformed cipher specs"},
		{"SSL 2.0 hello, lengths", []byte{0x80, 12, 1, 3, 1, 0, 3, 0, 0, 0, 1, 0, 0, 4}, false, "do not add up"},
		{"bad record version", []byte{22, 0x10, 1, 0, 4}, true, "record version 0x10"},
		{"empty record", []byte{22, 3, 1, 0, 0}, true, "of 0 bytes"},
		{"record over 16 KiB", tooLong, true, "of 16385 bytes"},
		{"server hello", []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, true, "message type 2"},
		{"hello over the limit", huge, false, "larger than"},
		{"records over the limit", manyRecords, false, "spread over more than"},
		{"a record per byte over the limit", byteRecords, false, "spread over more than"},
		{"body over 64 KiB", paddedHello(64<<10 + 1), false, "larger than"},
		{"truncated", whole[:300], false, io.ErrUnexpectedEOF.Error()},
		{"nothing", nil, false, io.ErrUnexpectedEOF.Error()},
		{"truncated body", rerecord(whole)[:5+38], false, io.ErrUnexpectedEOF.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, h, err := ReadClientHello(bytes.NewReader(tt.in))
			if err == nil || h != nil {
				t.Fatalf("err = %v, hello %v", err, h)
			}
			// However the bytes come: the buffer grows with the reads.
			halfRaw, _, halfErr := ReadClientHello(iotest.HalfReader(bytes.NewReader(tt.in)))
			if halfErr == nil || halfErr.Error() != err.Error() || len(halfRaw) > MaxHelloBytes {
				t.Errorf("in half reads: %d bytes, %v; in one: %v", len(halfRaw), halfErr, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), " 1 bytes") {
				t.Errorf("err = %q says \"1 bytes\"", err)
			}
			if errors.Is(err, ErrNotClientHello) != tt.notTLS {
				t.Errorf("errors.Is(ErrNotClientHello) = %v", !tt.notTLS)
			}
			if len(raw) > MaxHelloBytes || !bytes.HasPrefix(tt.in, raw) {
				t.Errorf("raw is %d bytes, not a prefix of the input within the limit", len(raw))
			}
		})
	}
}

// TestReadClientHelloLongest: a hello as long as crypto/tls takes one,
// a 64 KiB body, is read and parsed.
func TestReadClientHelloLongest(t *testing.T) {
	in := paddedHello(64 << 10)
	raw, h, err := ReadClientHello(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, in) || len(h.CipherSuites) != 1 || len(h.Extensions) != 1 {
		t.Errorf("read %d of %d bytes; hello %+v", len(raw), len(in), h)
	}
}

// TestReadClientHelloThinRecords: a hello of 12 KiB at a byte a record
// fills MaxHelloBytes exactly and is read; one byte more is refused with
// ErrHelloTooThin once the bound is read, not at twice it: what a client
// stalled in such a hello makes the server hold is what the read holds.
func TestReadClientHelloThinRecords(t *testing.T) {
	// 12 KiB of message, its 4-byte header included, is 72 KiB of records.
	at := paddedHello(12<<10 - 4)
	at = rerecord(at, ones(len(at))...)
	raw, h, err := ReadClientHello(iotest.HalfReader(bytes.NewReader(at)))
	if err != nil || len(raw) != len(at) || len(h.Extensions) != 1 {
		t.Fatalf("at the bound: %v, read %d of %d bytes", err, len(raw), len(at))
	}

	over := paddedHello(12<<10 - 3)
	over = rerecord(over, ones(len(over))...)
	raw, h, err = ReadClientHello(bytes.NewReader(over))
	if !errors.Is(err, ErrHelloTooThin) || h != nil {
		t.Fatalf("a byte past the bound: err = %v, hello %v; want ErrHelloTooThin", err, h)
	}
	if len(raw) != MaxHelloBytes || cap(raw) != MaxHelloBytes || !bytes.HasPrefix(over, raw) {
		t.Errorf("a byte past the bound: raw of %d bytes (capacity %d), want the first %d", len(raw), cap(raw), MaxHelloBytes)
	}
}

// TestReadClientHelloDoesNotWaitOnPlainText: plain text is refused on its
// first byte, however long the client then stays quiet; bytes with the
// high bit set that cannot be an SSLv2-compatible hello, by the fifth,
// where crypto/tls refuses them too, not after the 32 KiB their first two
// would give as its length.
func TestReadClientHelloDoesNotWaitOnPlainText(t *testing.T) {
	for _, first := range [][]byte{[]byte("G"), {0xff, 0xff, 1, 'G', 'E'}} {
		client, server := net.Pipe()
		defer client.Close()
		defer server.Close()
		go client.Write(first)
		done := make(chan error, 1)
		go func() {
			_, _, err := ReadClientHello(server)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotClientHello) {
				t.Errorf("%q: err = %v", first, err)
			}
		case <-time.After(10 * time.Second): // generous: the answer is immediate
			t.Fatalf("%q: ReadClientHello waited for more", first)
		}
	}
}

var parseErrorTests = []struct {
	name string
	body []byte // after the handshake header
	want string
}{
	{"too short", []byte{3, 3}, "truncated before the extensions"},
	{"odd cipher list", append(append([]byte{3, 3}, make([]byte, 33)...), 0, 3, 0, 0x2f, 0, 1, 0), "odd length of cipher_suites"},
	{"extensions block too long", append(append([]byte{3, 3}, make([]byte, 33)...), 0, 2, 0, 0x2f, 1, 0, 0, 9), "malformed extensions block"},
	{"truncated extension", append(append([]byte{3, 3}, make([]byte, 33)...), 0, 2, 0, 0x2f, 1, 0, 0, 2, 0, 0), "truncated extension"},
	{"session id past the end", append(append([]byte{3, 3}, make([]byte, 32)...), 33), "truncated before"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			msg := append([]byte{1, 0, byte(len(tt.body) >> 8), byte(len(tt.body))}, tt.body...)
			_, err := Parse(msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(append(chromeHello(t)[5:], 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing byte: err = %v", err)
	}
}

func TestParseMinimalHello(t *testing.T) {
	// TLS 1.0 without extensions: legacy version, one suite, null
	// compression, and nothing else.
	body := append(append([]byte{3, 1}, make([]byte, 33)...), 0, 2, 0, 0x2f, 1, 0)
	h, err := Parse(append([]byte{1, 0, 0, byte(len(body))}, body...))
	if err != nil {
		t.Fatal(err)
	}
	if h.LegacyVersion != 0x0301 || len(h.CipherSuites) != 1 || h.Extensions != nil {
		t.Errorf("%+v", h)
	}
	if got := h.JA4(); got != "t10i010000_"+hashOf("002f")+"_000000000000" {
		t.Errorf("JA4 = %s", got)
	}
	if got := h.JA3(); got != "769,47,,," {
		t.Errorf("JA3 = %s", got)
	}
}

// TestParseMemory: what Parse allocates, and so what a kept hello holds,
// stays within a small multiple of the message however its lists are
// made: a hello is kept for its connection's life, and a list of many
// tiny values must not take many times its size.
func TestParseMemory(t *testing.T) {
	alpnOf := func(value []byte, n int) []byte {
		var b cryptobyte.Builder
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for range n {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(value) })
			}
		})
		return b.BytesOrPanic()
	}
	tests := []struct {
		name   string
		suites int
		ext    uint16
		data   []byte
		repeat int // how many times the extension is sent; 0 is once
	}{
		{"ALPN of 1-byte values", 1, extALPN, alpnOf([]byte("a"), 30000), 0},
		{"ALPN of empty values", 1, extALPN, alpnOf(nil, 60000), 0},
		// crypto/tls refuses duplicate extensions, but only after the
		// hello has been read and parsed here.
		{"8,000 ALPN extensions of one value", 1, extALPN, alpnOf([]byte("a"), 1), 8000},
		{"32,000 cipher suites", 32000, 0x0015, nil, 0},
		{"key shares without keys", 1, extKeyShare, func() []byte {
			var b cryptobyte.Builder
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for range 15000 {
					b.AddUint16(0x001d)
					b.AddUint16(0)
				}
			})
			return b.BytesOrPanic()
		}(), 0},
	}
	for _, tt := range tests {
		msg := helloMessage(tt.suites, func(b *cryptobyte.Builder) {
			for range max(tt.repeat, 1) {
				b.AddUint16(tt.ext)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(tt.data) })
			}
		})
		var least uint64 = math.MaxUint64
		for range 5 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := Parse(msg); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			runtime.ReadMemStats(&after)
			least = min(least, after.TotalAlloc-before.TotalAlloc)
		}
		if limit := uint64(4*len(msg) + 4<<10); least > limit {
			t.Errorf("%s: Parse of %d bytes allocated %d, more than %d", tt.name, len(msg), least, limit)
		}
	}
}

// TestReadClientHelloAllocs: reading and parsing a browser's hello, one
// record, takes the read buffer, the ClientHello, one allocation for all
// its lists of 16-bit values and one each for the few byte fields, and
// copies no message out of its record. 18 allocations before.
func TestReadClientHelloAllocs(t *testing.T) {
	in := chromeHello(t)
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := ReadClientHello(bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 9 {
		t.Errorf("%v allocations per hello, want at most 9", allocs)
	}
}

// TestStalledHelloHoldsNoCopy: a hello of many records whose last has not
// come holds the bytes read and nothing more: the payloads are joined into
// one message only once all of it is there. A client that stops before the
// last record of a 60 KiB hello held twice that per connection, the bytes
// read and a message being built, until the handshake timeout.
func TestStalledHelloHoldsNoCopy(t *testing.T) {
	in := paddedHello(60 << 10)
	last := len(in) - (5 + 1<<14) + 1 // inside the last record's header
	for _, cut := range []int{5 + 1<<14, 2 * (5 + 1<<14), last} {
		partial := in[:cut]
		allocs := testing.AllocsPerRun(20, func() {
			var a assembler
			if msg, err := a.feed(partial); msg != nil || err != nil {
				t.Fatalf("%d of %d bytes: message of %d bytes, %v", cut, len(in), len(msg), err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d of %d bytes: %v allocations, want none until the hello is whole", cut, len(in), allocs)
		}
	}
	var a assembler
	msg, err := a.feed(in)
	if err != nil || len(msg) != len(in)-4*5 {
		t.Fatalf("whole: message of %d bytes, %v; want %d", len(msg), err, len(in)-4*5)
	}
}

// TestThinHelloReadAllocates: reading a hello that runs past the bound
// allocates the bound and the buffers outgrown on the way, 30 KiB, not
// the 126 KiB of doubling all the way: for a client stalled in a thin
// hello, each is memory to collect while it waits. 198 KiB before.
func TestThinHelloReadAllocates(t *testing.T) {
	in := paddedHello(12<<10 - 3)
	in = rerecord(in, ones(len(in))...)
	var least uint64 = math.MaxUint64
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := ReadClientHello(bytes.NewReader(in)); !errors.Is(err, ErrHelloTooThin) {
			t.Fatalf("err = %v, want ErrHelloTooThin", err)
		}
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	if limit := uint64(MaxHelloBytes + 32<<10); least > limit {
		t.Errorf("reading %d bytes of a thin hello allocated %d, more than %d", len(in), least, limit)
	}
}
