package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// testCert makes a self-signed certificate for 127.0.0.1 and writes it to
// a PEM file that -ca can trust.
func testCert(t *testing.T) (cert *tls.Certificate, caFile string) {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(caFile, g.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return g.Cert, caFile
}

// fault is what a faulty echo server does wrong, once in its life.
type fault int

const (
	faultNone     fault = iota
	faultFlip           // one byte of one echo changed
	faultType           // /ws: one binary message echoed as text
	faultExtra          // one byte more: after one /ws echo, or on the raw port after the client's close_notify
	faultShort          // /ws: one echo a byte short
	faultMessage        // /ws: one extra message before answering the client's close
	faultDrop           // one echo never sent
	faultDup            // one echo sent twice
	faultReplay         // one echo replaced by the one before it, of the same length and other bytes
	faultReorder        // the two halves of one echo swapped
	faultBinary         // /ws: one text message echoed as binary
	faultTruncate       // raw: one echo a byte short
	faultBareFIN        // raw: the client's close_notify answered with a TCP FIN alone
)

// faultyEcho echoes correctly except for one fault, applied once.
type faultyEcho struct {
	fault fault
	used  atomic.Bool
	wg    sync.WaitGroup
	// echoed, if set, is called after each write on the raw port.
	echoed func()
}

// now reports whether the fault applies to this echo: the first time only.
func (f *faultyEcho) now(want fault) bool {
	return f.fault == want && f.used.CompareAndSwap(false, true)
}

// serveRaw is tls.Listen plus io.Copy, with the fault.
func (f *faultyEcho) serveRaw(t *testing.T, cert *tls.Certificate) string {
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); f.wg.Wait() })
	f.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				buf := make([]byte, 4096)
				var prev []byte
				for {
					n, err := c.Read(buf)
					out := buf[:n]
					switch {
					case n == 0:
					case f.now(faultFlip):
						buf[n/2] ^= 0x20
					case f.now(faultDrop):
						out = nil
					case f.now(faultDup):
						out = append(bytes.Clone(out), out...)
					// Two messages can be the same bytes (one in 101 at
					// -size 100): replaying one of them would be no fault.
					case n == len(prev) && !bytes.Equal(prev, out) && f.now(faultReplay):
						out = prev
					case f.now(faultReorder):
						out = append(bytes.Clone(out[n/2:]), out[:n/2]...)
					case f.now(faultTruncate):
						out = out[:n-1]
					}
					prev = bytes.Clone(buf[:n])
					if _, werr := c.Write(out); werr != nil {
						return
					}
					if n > 0 && f.echoed != nil {
						f.echoed()
					}
					if errors.Is(err, io.EOF) && f.now(faultExtra) {
						c.Write([]byte{'!'})
					}
					if errors.Is(err, io.EOF) && f.now(faultBareFIN) {
						c.(*tls.Conn).NetConn().Close()
						return
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	return "tls://" + l.Addr().String()
}

// serveWS is the gorilla echo loop, with the fault.
func (f *faultyEcho) serveWS(t *testing.T, cert *tls.Certificate) string {
	up := websocket.Upgrader{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetCloseHandler(func(code int, text string) error {
			if f.now(faultMessage) {
				c.WriteMessage(websocket.BinaryMessage, []byte("surprise"))
			}
			return c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(5*time.Second))
		})
		var prev []byte
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			in := bytes.Clone(msg)
			n := 1 // times the echo is sent
			switch {
			case f.now(faultFlip):
				msg[len(msg)/2] ^= 0x20
			case typ == websocket.BinaryMessage && f.now(faultType):
				typ = websocket.TextMessage
				for i := range msg {
					msg[i] = 'a' // still valid UTF-8
				}
			case typ == websocket.TextMessage && f.now(faultBinary):
				typ = websocket.BinaryMessage
			case f.now(faultExtra):
				msg = append(msg, '!')
			case f.now(faultShort):
				msg = msg[:len(msg)-1]
			case f.now(faultDrop):
				n = 0
			case f.now(faultDup):
				n = 2
			case len(msg) == len(prev) && !bytes.Equal(prev, msg) && f.now(faultReplay):
				msg = prev
			case f.now(faultReorder):
				msg = append(msg[len(msg)/2:], in[:len(in)/2]...)
			}
			prev = in
			for range n {
				if err := c.WriteMessage(typ, msg); err != nil {
					return
				}
			}
		}
	})
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "wss://" + l.Addr().String() + "/ws"
}

// listenFailing accepts TCP connections and closes them at once: every
// TLS handshake fails.
func listenFailing(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return "tls://" + l.Addr().String()
}
