package tlsinfo

import (
	"bytes"
	"testing"
)

// BenchmarkReadClientHello is the cost of the capture stage per
// connection: reading and parsing a 517-byte Chrome hello, beside the
// plain copy of the same bytes that crypto/tls would have read anyway.
// A full TLS 1.3 handshake costs the server about a millisecond of CPU.
func BenchmarkReadClientHello(b *testing.B) {
	in := chromeHello(b)
	b.Run("copy", func(b *testing.B) {
		buf := make([]byte, 2048)
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for range b.N {
			r := bytes.NewReader(in)
			r.Read(buf)
		}
	})
	b.Run("capture", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for range b.N {
			if _, _, err := ReadClientHello(bytes.NewReader(in)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("capture+ja4", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, h, _ := ReadClientHello(bytes.NewReader(in))
			_ = h.JA4()
		}
	})
}
