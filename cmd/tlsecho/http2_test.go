package main

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestHTTP2PriorKnowledgeRefused: a client that speaks HTTP/2 from its
// first byte (prior knowledge, RFC 9113 section 3.3: curl
// --http2-prior-knowledge, h2c load testers) to any HTTP listener gets
// HTTP/2's own refusal, a SETTINGS frame and a GOAWAY with
// HTTP_1_1_REQUIRED that says why, then the connection's end: the answer
// such a client can read. It was an HTTP/1.1 400 saying "the * target is
// for OPTIONS only", which curl reported as an empty reply.
func TestHTTP2PriorKnowledgeRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	for _, p := range []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"https", func() (net.Conn, error) { return tls.Dial("tcp", ta.HTTPSAddr, ta.clientTLS()) }},
		{"http", func() (net.Conn, error) { return net.Dial("tcp", ta.HTTPAddr) }},
		{"admin", func() (net.Conn, error) { return net.Dial("tcp", ta.AdminAddr) }},
	} {
		t.Run(p.name, func(t *testing.T) {
			c, err := p.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioWait))
			// The preface, an empty SETTINGS frame and a HEADERS frame's
			// first bytes, as a client writes them before any answer.
			if _, err := io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x10\x01\x05\x00\x00\x00\x01"); err != nil {
				t.Fatal(err)
			}
			all, err := io.ReadAll(c)
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read %q, then %v; want the connection's end", all, err)
			}
			var types []byte
			var code uint32
			var debug []byte
			for b := all; len(b) >= 9; {
				n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
				if len(b) < 9+n {
					t.Fatalf("a frame cut short in %q", all)
				}
				types = append(types, b[3])
				if b[3] == 7 && n >= 8 { // GOAWAY
					code = binary.BigEndian.Uint32(b[13:17])
					debug = b[17 : 9+n]
				}
				b = b[9+n:]
			}
			if !bytes.Equal(types, []byte{4, 7}) || code != 0xd || !bytes.Contains(debug, []byte("HTTP/1.1")) {
				t.Errorf("answer %q: frame types %v, GOAWAY code %#x %q; want SETTINGS, GOAWAY HTTP_1_1_REQUIRED (0xd) naming HTTP/1.1", all, types, code, debug)
			}
		})
	}
	// The method alone is not HTTP/2: "PRI * HTTP/1.1" is an HTTP/1.1
	// request, answered in HTTP/1.1.
	c, err := net.Dial("tcp", ta.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(c, "PRI * HTTP/1.1\r\nHost: localhost\r\n\r\n")
	line := make([]byte, 9)
	if _, err := io.ReadFull(c, line); err != nil || string(line) != "HTTP/1.1 " {
		t.Errorf("PRI * HTTP/1.1: answer begins %q (%v), want an HTTP/1.1 status line", line, err)
	}
}
