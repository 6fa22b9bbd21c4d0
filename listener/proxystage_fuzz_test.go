package listener

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// piecesConn is a client that sends stream in the pieces cuts gives and
// then closes, from 198.51.100.9:40000 (a load balancer) to the server.
type piecesConn struct {
	pieces
}

func (c *piecesConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *piecesConn) Close() error                     { return nil }
func (c *piecesConn) SetDeadline(time.Time) error      { return nil }
func (c *piecesConn) SetReadDeadline(time.Time) error  { return nil }
func (c *piecesConn) SetWriteDeadline(time.Time) error { return nil }
func (c *piecesConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 8433}
}
func (c *piecesConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(198, 51, 100, 9), Port: 40000}
}

// FuzzProxyStage runs the PROXY stage on any bytes, cut into any pieces,
// header optional or required. A header it takes is the one
// go-proxyproto reads from the bytes at once, the client it names is
// that header's, and what follows it reaches the next stage byte for
// byte; a connection that starts with no header goes on whole where the
// header is optional and is refused where it is required.
func FuzzProxyStage(f *testing.F) {
	v2 := func(rest string) []byte {
		h := &proxyproto.Header{Version: 2, Command: proxyproto.PROXY, TransportProtocol: proxyproto.TCPv4,
			SourceAddr:      &net.TCPAddr{IP: net.IPv4(203, 0, 113, 7), Port: 4711},
			DestinationAddr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443}}
		b, err := h.Format()
		if err != nil {
			f.Fatal(err)
		}
		return append(b, rest...)
	}
	f.Add([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\n\x16\x03\x01"), []byte{7}, false)
	f.Add([]byte("PROXY TCP6 2001:db8::7 2001:db8::1 4711 443\r\nGET / HTTP/1.1\r\n"), []byte{1}, true)
	f.Add([]byte("PROXY UNKNOWN\r\nrest"), []byte(nil), true)
	f.Add([]byte("\x16\x03\x01\x00\x05hello"), []byte{2}, false)
	f.Add([]byte("\x16\x03\x01\x00\x05hello"), []byte(nil), true)
	f.Add(v2("\x16\x03\x01"), []byte{13, 1}, true)
	f.Add(v2("")[:20], []byte(nil), false)
	f.Add([]byte("PROXY TCP4 203.0.113.7"), []byte{3}, false)
	f.Fuzz(func(t *testing.T, stream, cuts []byte, require bool) {
		p, err := NewProxy(ProxyOptions{Require: require})
		if err != nil {
			t.Fatal(err)
		}
		nc := &piecesConn{pieces{stream: bytes.Clone(stream), cuts: cuts}}
		c := newConn(nc, &Listener{})
		err = p.read(c, time.Second)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("refusal spans lines: %q", err)
			}
			if require && !startsHeader(stream) && !bytes.HasPrefix(stream, v1Start) && !errors.Is(err, ErrProxyHeaderMissing) {
				t.Fatalf("no header, required: %v; want ErrProxyHeaderMissing", err)
			}
			return
		}
		rest, _ := io.ReadAll(c)

		r := bytes.NewReader(stream)
		br := bufio.NewReaderSize(r, 64<<10)
		h, herr := proxyproto.Read(br)
		switch {
		case errors.Is(herr, proxyproto.ErrNoProxyProtocol):
			if require {
				t.Fatalf("%q taken without a header where one is required", stream)
			}
			if !bytes.Equal(rest, stream) {
				t.Fatalf("no header: the next stage reads %q of %q", rest, stream)
			}
			if c.Peer.String() != nc.RemoteAddr().String() {
				t.Fatalf("no header, but the client is %v", c.Peer)
			}
			return
		case herr != nil:
			t.Fatalf("%q taken, but go-proxyproto reads no header from it: %v", stream, herr)
		}
		hlen := len(stream) - r.Len() - br.Buffered()
		if !bytes.Equal(rest, stream[hlen:]) {
			t.Fatalf("after a header of %d bytes the next stage reads %q, want %q", hlen, rest, stream[hlen:])
		}
		want := nc.RemoteAddr().String()
		if _, inet := h.SourceAddr.(*net.TCPAddr); inet && h.Command.IsProxy() {
			want = h.SourceAddr.String()
		}
		if c.Peer.String() != want {
			t.Fatalf("header %+v: client %v, want %s", h, c.Peer, want)
		}
	})
}
