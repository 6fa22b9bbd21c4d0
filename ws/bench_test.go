package ws

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
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

// BenchmarkRoundTrip is BenchmarkEcho on tlsecho and, in the same run, on
// gorilla's plain echo loop (NextReader, NextWriter, io.Copy, the default
// Upgrader) behind the same kind of HTTPS server: compare the two lines'
// ns/op as a ratio.
func BenchmarkRoundTrip(b *testing.B) {
	for _, server := range []string{"tlsecho", "plain"} {
		for _, size := range []int{64, 4 << 10} {
			b.Run(fmt.Sprintf("server=%s/size=%d", server, size), func(b *testing.B) {
				ts := startServer(b, &Server{})
				if server == "plain" {
					ts = startPlain(b, ts)
				}
				c, _ := ts.dial(b, nil, nil)
				msg := binaryOfSize(size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// startPlain serves plainEcho over HTTPS with the test certificate, and
// returns ts pointing at it.
func startPlain(tb testing.TB, ts *testServer) *testServer {
	tb.Helper()
	gen, err := testCert()
	if err != nil {
		tb.Fatalf("generate certificate: %v", err)
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(plainEcho))
	// ts serves TLS through its listener.Listener, so its httptest server
	// has no TLS config of its own to copy: without this certificate,
	// StartTLS would serve httptest's, which the client does not trust.
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{*gen.Cert}, MinVersion: tls.VersionTLS12}
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.StartTLS()
	tb.Cleanup(hs.Close)
	plain := *ts
	plain.hs, plain.addr = hs, hs.Listener.Addr().String()
	plain.url = "wss://" + plain.addr + "/ws"
	return &plain
}

// plainEcho is gorilla's echo loop, as in its examples.
func plainEcho(w http.ResponseWriter, r *http.Request) {
	var up websocket.Upgrader
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		mt, rd, err := c.NextReader()
		if err != nil {
			return
		}
		wr, err := c.NextWriter(mt)
		if err != nil {
			return
		}
		if _, err := io.Copy(wr, rd); err != nil {
			return
		}
		if err := wr.Close(); err != nil {
			return
		}
	}
}
