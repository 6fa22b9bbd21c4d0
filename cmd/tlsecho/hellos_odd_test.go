package main

import (
	"crypto/rand"
	"io"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// oddHello is one handshake record holding a TLS 1.3 ClientHello that
// crypto/tls answers with a ServerHello, with a session ID of sessionID
// bytes and then trailing, if any, in the same record. versions, when
// given, replace TLS 1.3 in supported_versions (GREASE alone, say, which
// crypto/tls refuses with protocol_version).
func oddHello(sessionID int, trailing []byte, versions ...uint16) []byte {
	if len(versions) == 0 {
		versions = []uint16{0x0304}
	}
	key := make([]byte, 32)
	rand.Read(key)
	var b cryptobyte.Builder
	b.AddUint8(22) // handshake record
	b.AddUint16(0x0301)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(1) // ClientHello
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(make([]byte, 32)) // random
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, sessionID)) })
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301) })
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				ext := func(typ uint16, data func(b *cryptobyte.Builder)) {
					b.AddUint16(typ)
					b.AddUint16LengthPrefixed(data)
				}
				ext(0x000a, func(b *cryptobyte.Builder) { // supported_groups: x25519
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x001d) })
				})
				ext(0x000d, func(b *cryptobyte.Builder) { // signature_algorithms
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x0403); b.AddUint16(0x0804) })
				})
				ext(0x002b, func(b *cryptobyte.Builder) { // supported_versions
					b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
						for _, v := range versions {
							b.AddUint16(v)
						}
					})
				})
				ext(0x0033, func(b *cryptobyte.Builder) { // key_share: x25519
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16(0x001d)
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(key) })
					})
				})
			})
		})
		b.AddBytes(trailing)
	})
	return b.BytesOrPanic()
}

// TestHellosAsCryptoTLSReadsThem: a hello crypto/tls reads and answers
// is recorded, however odd: /hellos shows what the client offered, not
// an empty entry.
func TestHellosAsCryptoTLSReadsThem(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		name    string
		records []byte
	}{
		// crypto/tls takes a legacy_session_id of any length up to 255
		// bytes and echoes it, though RFC 8446 says 32 at most.
		{"session ID of 33 bytes", oddHello(33, nil)},
		{"session ID of 255 bytes", oddHello(255, nil)},
		// Bytes behind the hello in its record: crypto/tls answers the
		// hello, then fails on them ("handshake buffer not empty").
		{"garbage after the hello in its record", oddHello(0, []byte("GARBAGE!"))},
		{"a second message in the hello's record", oddHello(0, []byte{20, 0, 0, 0})},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, tt.records)
			// A ServerHello record: crypto/tls read the hello.
			head := make([]byte, 6)
			if _, err := io.ReadFull(nc, head); err != nil || head[0] != 22 || head[5] != 2 {
				t.Fatalf("the server answered % x, %v; want a ServerHello", head, err)
			}
			nc.Close()
			got := waitHellos(t, ta, "", i+1)
			if e := got[0]; !strings.HasPrefix(e.JA4, "t13i0104") || len(e.CipherSuites) != 1 {
				t.Errorf("entry %+v\nwant the hello's JA4 (t13i0104...) and its one cipher suite", e)
			}
		})
	}
}

// TestHellosUnknownVersions: a failed handshake's outcome names the
// versions the client offered, and gives the number of those it cannot
// name rather than just "unknown": a TLS 1.3 draft (0x7f1c, draft 28,
// which clients of 2018 sent) and TLS 1.2 to a server that takes 1.3
// only.
func TestHellosUnknownVersions(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"TLS_MIN_VERSION": "1.3"})
	nc := sendFirst(t, ta.TLSAddr, oddHello(0, nil, 0x7f1c, 0x0303))
	// The server answers with a protocol_version alert and closes.
	io.Copy(io.Discard, nc)
	got := waitHellos(t, ta, "", 1)
	const want = "client offered only unsupported versions: unknown (0x7f1c), TLS 1.2"
	if len(got) != 1 || got[0].Outcome != want {
		t.Errorf("/hellos = %+v\nwant one entry with outcome %q", got, want)
	}
}
