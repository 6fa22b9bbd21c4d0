package listener_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/tlsecho/tlsecho/listener"
)

// proxyListener is a Listener with the PROXY stage o, on TLS unless
// plain, reporting each failed stage or handshake on the returned channel.
func proxyListener(t *testing.T, o listener.ProxyOptions, plain bool, timeout time.Duration) (*listener.Listener, <-chan accepted, <-chan error) {
	t.Helper()
	p, err := listener.NewProxy(o)
	if err != nil {
		t.Fatal(err)
	}
	fails := make(chan error, 100)
	lo := listener.Options{Name: "tls", Proxy: p, HandshakeTimeout: timeout, Hooks: &listener.Hooks{
		Handshake: func(_ *listener.Conn, h listener.Handshake) {
			if h.Err != nil {
				fails <- h.Err
			}
		},
	}}
	if !plain {
		lo = tlsOptions(t, lo)
	}
	l := listen(t, lo)
	return l, acceptAll(t, l), fails
}

// dialProxied opens TCP to addr and sends hdr (nil: nothing) first.
func dialProxied(t *testing.T, addr string, hdr *proxyproto.Header) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	if hdr != nil {
		if _, err := hdr.WriteTo(c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// handshake runs a TLS client handshake over c.
func handshake(t *testing.T, c net.Conn) error {
	t.Helper()
	tc := tls.Client(c, clientConfig(t))
	return tc.Handshake()
}

// closedByServer reports whether the server closed c: a read ends with
// EOF or a reset rather than data or the test's deadline.
func closedByServer(c net.Conn) bool {
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func tcpAddr(s string) *net.TCPAddr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

// proxyHeaderTests are headers a load balancer sends, and the client
// each must give the connection.
var proxyHeaderTests = []struct {
	name     string
	header   func(dst net.Addr) *proxyproto.Header
	wantPeer string // empty: the TCP peer, and no balancer
}{
	{"v1 IPv4", func(dst net.Addr) *proxyproto.Header {
		return proxyproto.HeaderProxyFromAddrs(1, tcpAddr("203.0.113.7:51234"), dst)
	}, "203.0.113.7:51234"},
	{"v1 IPv6", func(dst net.Addr) *proxyproto.Header {
		return proxyproto.HeaderProxyFromAddrs(1, tcpAddr("[2001:db8::7]:40000"), tcpAddr("[2001:db8::1]:443"))
	}, "[2001:db8::7]:40000"},
	{"v2 IPv4", func(dst net.Addr) *proxyproto.Header {
		return proxyproto.HeaderProxyFromAddrs(2, tcpAddr("198.51.100.20:443"), dst)
	}, "198.51.100.20:443"},
	{"v2 IPv6", func(dst net.Addr) *proxyproto.Header {
		return proxyproto.HeaderProxyFromAddrs(2, tcpAddr("[2001:db8::20]:1"), tcpAddr("[2001:db8::1]:443"))
	}, "[2001:db8::20]:1"},
	{"v2 LOCAL (a balancer's own check)", func(dst net.Addr) *proxyproto.Header {
		return &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	}, ""},
	// A LOCAL header's addresses are to be ignored (the PROXY protocol
	// specification, section 2.2): the balancer speaks for itself.
	{"v2 LOCAL carrying addresses", func(dst net.Addr) *proxyproto.Header {
		return &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.TCPv4,
			SourceAddr: tcpAddr("203.0.113.9:4000"), DestinationAddr: dst}
	}, ""},
	{"v1 UNKNOWN", func(dst net.Addr) *proxyproto.Header {
		return &proxyproto.Header{Version: 1, Command: proxyproto.PROXY, TransportProtocol: proxyproto.UNSPEC}
	}, ""},
	{"v2 with a CRC32C of itself", func(dst net.Addr) *proxyproto.Header {
		return withCRC32C(proxyproto.HeaderProxyFromAddrs(2, tcpAddr("192.0.2.30:3"), dst))
	}, "192.0.2.30:3"},
}

// withCRC32C gives h a CRC32C TLV that matches it (the PROXY protocol
// specification, section 2.2.5), between two other TLVs.
func withCRC32C(h *proxyproto.Header) *proxyproto.Header {
	tlvs := []proxyproto.TLV{
		{Type: proxyproto.PP2_TYPE_AUTHORITY, Value: []byte("echo.example")},
		{Type: proxyproto.PP2_TYPE_CRC32C, Value: make([]byte, 4)},
		{Type: proxyproto.PP2_TYPE_NOOP, Value: []byte{0, 0}},
	}
	if err := h.SetTLVs(tlvs); err != nil {
		panic(err)
	}
	b, err := h.Format()
	if err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint32(tlvs[1].Value, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	if err := h.SetTLVs(tlvs); err != nil {
		panic(err)
	}
	return h
}

// TestProxyHeaders: v1 and v2 headers, IPv4 and IPv6, are read ahead of
// the TLS handshake on a TLS listener and ahead of the request on a plain
// one; the client they name becomes Conn.Peer and RemoteAddr, the load
// balancer Conn.Balancer, and not a byte after the header is lost.
func TestProxyHeaders(t *testing.T) {
	t.Parallel()
	for _, plain := range []bool{false, true} {
		kind := map[bool]string{false: "TLS", true: "plain"}[plain]
		l, got, fails := proxyListener(t, listener.ProxyOptions{Require: true}, plain, ioTimeout)
		for _, tt := range proxyHeaderTests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				c := dialProxied(t, l.Addr().String(), tt.header(l.Addr()))
				if plain {
					// The header and the first bytes after it in one write,
					// as a balancer sends them.
					io.WriteString(c, "GET / HTTP/1.1\r\n")
				} else if err := handshake(t, c); err != nil {
					t.Fatalf("handshake after the header: %v (server: %v)", err, drain(fails))
				}
				a := next(t, got)
				if a.err != nil {
					t.Fatal(a.err)
				}
				lc := listener.From(a.c)
				wantPeer, wantBalancer := tt.wantPeer, c.LocalAddr().String()
				if wantPeer == "" {
					wantPeer, wantBalancer = c.LocalAddr().String(), ""
				}
				if lc.Peer.String() != wantPeer || a.c.RemoteAddr().String() != wantPeer {
					t.Errorf("Peer %v, RemoteAddr %v; want %s", lc.Peer, a.c.RemoteAddr(), wantPeer)
				}
				if got := addrString(lc.Balancer); got != wantBalancer {
					t.Errorf("Balancer %q, want %q", got, wantBalancer)
				}
				if plain {
					line := make([]byte, len("GET / HTTP/1.1\r\n"))
					a.c.SetReadDeadline(time.Now().Add(ioTimeout))
					if _, err := io.ReadFull(a.c, line); err != nil || string(line) != "GET / HTTP/1.1\r\n" {
						t.Errorf("after the header the server read %q, %v", line, err)
					}
				}
			})
		}
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// drain returns what is waiting on ch without blocking.
func drain(ch <-chan error) []error {
	var out []error
	for {
		select {
		case err := <-ch:
			out = append(out, err)
		default:
			return out
		}
	}
}

// TestProxyOptional: with the header optional, a client with one and a
// client without one are both served, each under its own address.
func TestProxyOptional(t *testing.T) {
	t.Parallel()
	l, got, _ := proxyListener(t, listener.ProxyOptions{}, false, ioTimeout)
	bare := dialProxied(t, l.Addr().String(), nil)
	if err := handshake(t, bare); err != nil {
		t.Fatalf("without a header: %v", err)
	}
	if a := next(t, got); a.err != nil || a.c.RemoteAddr().String() != bare.LocalAddr().String() || listener.From(a.c).Balancer != nil {
		t.Errorf("without a header: %v from %v; want the TCP peer %v and no balancer", a.err, a.c.RemoteAddr(), bare.LocalAddr())
	}
	proxied := dialProxied(t, l.Addr().String(), proxyproto.HeaderProxyFromAddrs(2, tcpAddr("192.0.2.9:9999"), l.Addr()))
	if err := handshake(t, proxied); err != nil {
		t.Fatalf("with a header: %v", err)
	}
	if a := next(t, got); a.err != nil || a.c.RemoteAddr().String() != "192.0.2.9:9999" {
		t.Errorf("with a header: %v from %v; want 192.0.2.9:9999", a.err, a.c.RemoteAddr())
	}
}

// v2WithTLVs is a v2 PROXY header (TCP over IPv4, 203.0.113.1:1 to
// 192.0.2.1:2) whose TLV bytes are tlvs, as they come: its length field
// counts them whatever they hold.
func v2WithTLVs(tlvs string) string {
	addrs := "\xcb\x00\x71\x01\xc0\x00\x02\x01\x00\x01\x00\x02"
	n := len(addrs) + len(tlvs)
	return "\r\n\r\n\x00\r\nQUIT\n\x21\x11" + string([]byte{byte(n >> 8), byte(n)}) + addrs + tlvs
}

// v2v6WithTLVs is v2WithTLVs over IPv6 (2001:db8::1 port 1 to 2001:db8::2
// port 2), whose addresses take 36 bytes where IPv4's take 12.
func v2v6WithTLVs(tlvs string) string {
	addrs := "\x20\x01\x0d\xb8" + strings.Repeat("\x00", 11) + "\x01" + "\x20\x01\x0d\xb8" + strings.Repeat("\x00", 11) + "\x02" + "\x00\x01\x00\x02"
	n := len(addrs) + len(tlvs)
	return "\r\n\r\n\x00\r\nQUIT\n\x21\x21" + string([]byte{byte(n >> 8), byte(n)}) + addrs + tlvs
}

// TestProxyRefusals: a connection that breaks the rules is closed, and
// only that one: a connection established before keeps working, and the
// next good one is served.
func TestProxyRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    listener.ProxyOptions
		before  string // a good connection first: "header", "bare" or none
		header  bool
		send    string // after the header, instead of a handshake
		wantErr string
	}{
		{"require, no header", listener.ProxyOptions{Require: true}, "header", false, "", "no PROXY protocol header"},
		// Nothing from 127.0.0.1 is served when it is not trusted.
		{"require, untrusted peer", listener.ProxyOptions{Require: true, Trusted: []string{"192.0.2.0/24"}}, "", true, "", "not trusted to send PROXY protocol headers, which this listener requires"},
		// The report must not say a header came: none did.
		{"require, untrusted peer without a header", listener.ProxyOptions{Require: true, Trusted: []string{"192.0.2.1"}}, "", false, "", "not trusted to send PROXY protocol headers, which this listener requires"},
		{"optional, untrusted peer", listener.ProxyOptions{Trusted: []string{"::1", "192.0.2.1"}}, "bare", true, "", "PROXY protocol header refused: peer not trusted"},
		{"malformed v1", listener.ProxyOptions{}, "header", false, "PROXY TCP4 nonsense\r\n", "malformed PROXY protocol header"},
		{"v2 TLV longer than the header", listener.ProxyOptions{}, "header", false, v2WithTLVs("\x01\x01\xf4ab"), "malformed PROXY protocol header"},
		{"v2 TLV cut short", listener.ProxyOptions{}, "bare", false, v2WithTLVs("\x01\x00"), "malformed PROXY protocol header"},
		{"v2 CRC32C that does not match", listener.ProxyOptions{}, "header", false, v2WithTLVs("\x03\x00\x04\xde\xad\xbe\xef"), "CRC32C does not match"},
		{"v2 IPv6 CRC32C that does not match", listener.ProxyOptions{}, "header", false, v2v6WithTLVs("\x03\x00\x04\xde\xad\xbe\xef"), "CRC32C does not match"},
		{"v2 CRC32C of 3 bytes", listener.ProxyOptions{}, "bare", false, v2WithTLVs("\x03\x00\x03abc"), "CRC32C TLV of 3 bytes"},
		{"v2 CRC32C of 1 byte", listener.ProxyOptions{}, "bare", false, v2WithTLVs("\x03\x00\x01a"), "CRC32C TLV of 1 byte,"},
		// The format allows 64 KiB, go-proxyproto 4 KiB; the report says
		// which limit, not "invalid length".
		{"v2 over 4 KiB", listener.ProxyOptions{}, "header", false, v2WithTLVs("\x04\x10\x00" + strings.Repeat("n", 4096)), "v2 header too long: 4111 bytes of addresses and TLVs, over the 4096 bytes accepted"},
		{"v1 without its line end", listener.ProxyOptions{}, "bare", false, "PROXY TCP4 192.0.2.1 192.0.2.2 1 2" + strings.Repeat(" ", 100), "malformed PROXY protocol header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, got, fails := proxyListener(t, tt.opts, false, ioTimeout)

			// A connection established before the bad one must survive it.
			var beforeTLS *tls.Conn
			if tt.before != "" {
				var h *proxyproto.Header
				if tt.before == "header" {
					h = proxyproto.HeaderProxyFromAddrs(2, tcpAddr("192.0.2.1:1"), l.Addr())
				}
				beforeTLS = tls.Client(dialProxied(t, l.Addr().String(), h), clientConfig(t))
				if err := beforeTLS.Handshake(); err != nil {
					t.Fatalf("the connection before: %v", err)
				}
				next(t, got)
			}

			var hdr *proxyproto.Header
			if tt.header {
				hdr = proxyproto.HeaderProxyFromAddrs(1, tcpAddr("203.0.113.1:2"), l.Addr())
			}
			bad := dialProxied(t, l.Addr().String(), hdr)
			if tt.send != "" {
				io.WriteString(bad, tt.send)
			} else {
				// The handshake fails, or in TLS 1.3 the first read does.
				if tls.Client(bad, clientConfig(t)).Handshake() == nil && !closedByServer(bad) {
					t.Fatal("the server served a connection it should have closed")
				}
			}
			if !closedByServer(bad) {
				t.Error("the server did not close the connection")
			}
			select {
			case err := <-fails:
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("reported %q, want it to say %q", err, tt.wantErr)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no failure reported")
			}
			select {
			case a := <-got:
				t.Errorf("Accept returned %v, %v for a refused connection", a.c, a.err)
			default:
			}
			if beforeTLS != nil {
				// Accepted connections belong to the test; this one has
				// only to be still open.
				beforeTLS.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				if closedByServer(beforeTLS) {
					t.Error("the connection established before was closed too")
				}
			}
		})
	}
}

// TestProxyHeaderInPieces: a header that arrives in several TCP segments
// is read whole, v1 as well as v2, as long as it comes within the
// handshake timeout: go-proxyproto alone drops a v1 header it did not get
// in one read.
func TestProxyHeaderInPieces(t *testing.T) {
	t.Parallel()
	l, got, fails := proxyListener(t, listener.ProxyOptions{Require: true}, true, ioTimeout)
	// The longest v1 header there is, 104 bytes (the specification,
	// section 2.1), from a client with the longest IPv6 address.
	const longest = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"
	for _, tt := range []struct {
		name    string
		version byte
		client  string
	}{{"v1", 1, "203.0.113.9:4711"}, {"v2", 2, "203.0.113.9:4711"}, {"v1 longest", 1, longest}} {
		t.Run(tt.name, func(t *testing.T) {
			var hdr bytes.Buffer
			dst := l.Addr()
			if tt.client == longest {
				dst = tcpAddr(longest)
			}
			proxyproto.HeaderProxyFromAddrs(tt.version, tcpAddr(tt.client), dst).WriteTo(&hdr)
			if tt.client == longest && hdr.Len() != 104 {
				t.Fatalf("the longest v1 header is %d bytes: %q", hdr.Len(), hdr.String())
			}
			c := dialProxied(t, l.Addr().String(), nil)
			// A slow sender: each piece is its own segment, the server's
			// read wakes for it.
			for piece := range slices.Chunk(hdr.Bytes(), 7) {
				if _, err := c.Write(piece); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			io.WriteString(c, "GET / HTTP/1.1\r\n")
			a := next(t, got)
			if a.err != nil {
				t.Fatalf("%v (server: %v)", a.err, drain(fails))
			}
			if peer := listener.From(a.c).Peer.String(); peer != tt.client {
				t.Errorf("Peer %s, want the header's client", peer)
			}
			line := make([]byte, len("GET / HTTP/1.1\r\n"))
			a.c.SetReadDeadline(time.Now().Add(ioTimeout))
			if _, err := io.ReadFull(a.c, line); err != nil || string(line) != "GET / HTTP/1.1\r\n" {
				t.Errorf("after the header the server read %q, %v", line, err)
			}
		})
	}
}

// TestProxySilentClient: a client that opens TCP and sends no header (or
// half of one) is dropped at the handshake timeout, counted from accept,
// and leaves nothing behind (goleak in TestMain, the slot freed).
func TestProxySilentClient(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	for _, tt := range []struct {
		name string
		opts listener.ProxyOptions
		send string
	}{
		{"require, nothing", listener.ProxyOptions{Require: true}, ""},
		{"optional, nothing", listener.ProxyOptions{}, ""},
		{"half a v2 signature", listener.ProxyOptions{Require: true}, "\r\n\r\n\x00\r"},
		{"half a v1 header", listener.ProxyOptions{Require: true}, "PROXY TCP4 203.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, _, fails := proxyListener(t, tt.opts, false, timeout)
			// The clock starts before the dial, so before the server's,
			// which starts at accept: an early drop is a bug, never a
			// scheduling delay.
			start := time.Now()
			c := dialProxied(t, l.Addr().String(), nil)
			io.WriteString(c, tt.send)
			if !closedByServer(c) {
				t.Fatal("a silent client was not dropped")
			}
			// Not before the timeout; the upper bound is the test's
			// ioTimeout, generous for a loaded machine.
			if took := time.Since(start); took < timeout {
				t.Errorf("dropped after %v, before the %v timeout", took, timeout)
			}
			select {
			case err := <-fails:
				// Named by the timeout the client was given, not by the
				// time the server took to notice it passed.
				if !strings.HasPrefix(err.Error(), "no PROXY protocol header within 300ms: ") && !strings.HasPrefix(err.Error(), "no handshake within 300ms: ") {
					t.Errorf("reported %q, want the timeout named", err)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no failure reported")
			}
			waitFor(t, ioTimeout, "the slot freed", func() bool { return l.Active() == 0 })
		})
	}
}

// TestNewProxyErrors: a trusted entry that is neither an address nor a
// range is named in the error.
func TestNewProxyErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1:80", ""} {
		_, err := listener.NewProxy(listener.ProxyOptions{Trusted: []string{"127.0.0.1", bad}})
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("Trusted %q: %v, want an error naming it", bad, err)
		}
	}
}

// TestProxyHook: Hooks.Proxy hears each connection's outcome: a client
// named, none, or the refusal.
func TestProxyHook(t *testing.T) {
	t.Parallel()
	p, err := listener.NewProxy(listener.ProxyOptions{Trusted: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		balancer bool
		err      error
	}
	got := make(chan outcome, 10)
	l := listen(t, listener.Options{Proxy: p, HandshakeTimeout: ioTimeout, Hooks: &listener.Hooks{
		Proxy: func(c *listener.Conn, err error) { got <- outcome{c.Balancer != nil, err} },
	}})
	acceptAll(t, l)
	for _, tt := range []struct {
		name         string
		send         string
		wantBalancer bool
		wantErr      bool
	}{
		{"header", "PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\nGET /", true, false},
		{"no header", "GET / HTTP/1.1\r\n", false, false},
		{"malformed", "PROXY TCP4 x\r\n", false, true},
	} {
		c := dialProxied(t, l.Addr().String(), nil)
		io.WriteString(c, tt.send)
		select {
		case o := <-got:
			if o.balancer != tt.wantBalancer || (o.err != nil) != tt.wantErr {
				t.Errorf("%s: balancer %v, err %v", tt.name, o.balancer, o.err)
			}
		case <-time.After(ioTimeout):
			t.Fatalf("%s: no outcome", tt.name)
		}
	}
}

// TestProxyHeaderCutShort: a client that closes or resets its connection
// in the middle of a header is reported as such, in whichever part of the
// header it stopped, and never as a malformed header: what it sent was
// sound as far as it went, and an operator reading "malformed" would look
// at the balancer's header settings rather than at the connections it
// drops. A few bytes that begin no header, then the end, are no header.
func TestProxyHeaderCutShort(t *testing.T) {
	t.Parallel()
	v2 := v2WithTLVs("")
	tests := []struct {
		name    string
		send    string
		reset   bool
		wantErr string
	}{
		{"v1, closed", "PROXY TCP4 192.0.2.1", false, "closed the connection before sending a whole PROXY protocol header"},
		{"v2 before its length, closed", v2[:14], false, "closed the connection before sending a whole PROXY protocol header"},
		{"v2 in its addresses, closed", v2[:20], false, "closed the connection before sending a whole PROXY protocol header"},
		{"v2 in its addresses, reset", v2[:20], true, "connection reset"},
		// No header's start, though the first byte is a v1 header's:
		// refused as one without a header, not with a bare "EOF".
		{"P and no header, closed", "P0", false, "no PROXY protocol header, which is required here"},
		{"PRX, closed", "PRX", false, "no PROXY protocol header, which is required here"},
		// go-proxyproto takes "PROXY" for a v1 header's start.
		{"PROXY and no space, closed", "PROXY0", false, "closed the connection before sending a whole PROXY protocol header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := listener.NewProxy(listener.ProxyOptions{Require: true})
			if err != nil {
				t.Fatal(err)
			}
			fails := make(chan error, 1)
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			// The reset must come after the server has read what was
			// sent: a reset discards what is still unread.
			read := make(chan struct{})
			l := listener.New(&signalListener{Listener: tcp, want: len(tt.send), read: read}, tlsOptions(t, listener.Options{
				Name: "tls", Proxy: p, HandshakeTimeout: ioTimeout,
				Hooks: &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) { fails <- h.Err }},
			}))
			t.Cleanup(func() { l.Close() })
			acceptAll(t, l)
			c := dialProxied(t, l.Addr().String(), nil)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			select {
			case <-read:
			case <-time.After(ioTimeout):
				t.Fatal("the server did not read the start of the header")
			}
			if tt.reset {
				c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
			select {
			case err := <-fails:
				if err == nil || strings.Contains(err.Error(), "malformed") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("reported %v, want %q and no word of a malformed header", err, tt.wantErr)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no failure reported")
			}
		})
	}
}

// signalListener closes read once its one connection has been read want
// bytes from.
type signalListener struct {
	net.Listener
	want int
	read chan struct{}
}

func (l *signalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &signalConn{Conn: c, l: l}, nil
}

type signalConn struct {
	net.Conn
	l    *signalListener
	n    int
	once sync.Once
}

func (c *signalConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.n += n; c.n >= c.l.want {
		c.once.Do(func() { close(c.l.read) })
	}
	return n, err
}
