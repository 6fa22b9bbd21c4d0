package ws

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
)

// BenchmarkEcho measures one round trip through a real TLS connection:
// the gorilla client writes a binary message and reads the echo. SetBytes
// counts the message once, so MB/s is the echo rate in one direction. The
// payload is text-like so that compression has something to do.
func BenchmarkEcho(b *testing.B) {
	for _, compress := range []bool{false, true} {
		for _, size := range []int{16, 4 << 10, 64 << 10} {
			b.Run(fmt.Sprintf("compress=%v/size=%d", compress, size), func(b *testing.B) {
				ts := startServer(b, &Server{Compression: compress})
				d := ts.dialer()
				d.EnableCompression = compress
				c, _ := ts.dial(b, d, nil)
				msg := textOfSize(size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
						b.Fatal(err)
					}
					_, got, err := c.ReadMessage()
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != len(msg) {
						b.Fatalf("echo of %d bytes has %d", len(msg), len(got))
					}
				}
				b.StopTimer()
				if _, got := echo(b, c, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
					b.Fatal("echo differs")
				}
			})
		}
	}
}
