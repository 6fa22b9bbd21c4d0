package tlsinfo

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"
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
}

func TestReadClientHelloRefuses(t *testing.T) {
	whole := chromeHello(t)
	msgLen := len(whole) - 5
	tooLong := []byte{22, 3, 1, 0x40, 0x01}
	huge := []byte{22, 3, 1, 0, 4, 1, 0x10, 0, 0} // declares 1 MiB
	twoMessages := append([]byte{22, 3, 1, byte((msgLen + 4) >> 8), byte(msgLen + 4)}, whole[5:]...)
	twoMessages = append(twoMessages, 20, 0, 0, 0)
	var manyRecords []byte // a hello that never ends within the limit
	manyRecords = append(manyRecords, 22, 3, 1, 0, 4, 1, 0, 0xff, 0xff)
	for len(manyRecords) < MaxHelloBytes+100 {
		manyRecords = append(manyRecords, 22, 3, 1, 0x40, 0)
		manyRecords = append(manyRecords, make([]byte, 1<<14)...)
	}
	tests := []struct {
		name    string
		in      []byte
		notTLS  bool
		wantErr string
	}{
		{"plain HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true, "not a handshake"},
		{"alert record", []byte{21, 3, 3, 0, 2, 2, 40}, true, "not a handshake"},
		{"SSL 2.0 hello", []byte{0x80, 0x2e, 1, 0, 2}, true, "not a handshake"},
		{"bad record version", []byte{22, 9, 1, 0, 4}, true, "record version 0x09"},
		{"empty record", []byte{22, 3, 1, 0, 0}, true, "of 0 bytes"},
		{"record over 16 KiB", tooLong, true, "of 16385 bytes"},
		{"server hello", []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, true, "message type 2"},
		{"hello over the limit", huge, false, "larger than"},
		{"records over the limit", manyRecords, false, "larger than"},
		{"message after the hello", twoMessages, false, "data after"},
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
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantErr)
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

// TestReadClientHelloDoesNotWaitOnPlainText: plain text is refused on its
// first byte, however long the client then stays quiet.
func TestReadClientHelloDoesNotWaitOnPlainText(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go client.Write([]byte("G"))
	done := make(chan error, 1)
	go func() {
		_, _, err := ReadClientHello(server)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotClientHello) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second): // generous: the answer is immediate
		t.Fatal("ReadClientHello waited for more than the first byte")
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
	{"bad SNI", append(append([]byte{3, 3}, make([]byte, 33)...), 0, 2, 0, 0x2f, 1, 0, 0, 5, 0, 0, 0, 1, 0), "malformed server_name"},
	{"bad key share", append(append([]byte{3, 3}, make([]byte, 33)...), 0, 2, 0, 0x2f, 1, 0, 0, 8, 0, 0x33, 0, 4, 0, 2, 0, 0x1d), "malformed key_share"},
	{"session id over 32", append(append([]byte{3, 3}, make([]byte, 32)...), 33), "truncated before"},
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
