//go:build linux

package listener_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRefusedClientIsNotReset: a TLS 1.3 client finishes its side of the
// handshake before the server has checked its certificate and writes at
// once (a wss client its upgrade request). When the server refuses the
// certificate, what the client writes around the alert must not meet a
// closed socket: the kernel answers that with a reset, the client's write
// then fails with "connection reset by peer" (gorilla's wss dial and
// `tlsecho client` report that instead of the alert), and a reset may
// discard the alert unread. Here the client writes right after reading
// the alert and waits for its bytes to be acknowledged, or reset.
func TestRefusedClientIsNotReset(t *testing.T) {
	t.Parallel()
	o := tlsOptions(t, listener.Options{Name: "tls"})
	o.TLSConfig.MinVersion = tls.VersionTLS13
	o.TLSConfig.ClientAuth = tls.RequireAnyClientCert
	o.TLSConfig.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error {
		return errors.New("not this client")
	}
	l := listen(t, o)
	acceptAll(t, l)
	gen, err := testCert()
	if err != nil {
		t.Fatal(err)
	}

	for i := range 5 {
		cfg := clientConfig(t)
		cfg.Certificates = []tls.Certificate{*gen.Cert}
		c, err := dialTLS(t, l.Addr().String(), cfg)
		if err != nil {
			t.Fatalf("TLS 1.3 handshake: %v; want it to end on the client's side before the server's check", err)
		}
		tcp := c.NetConn().(*net.TCPConn)
		if _, err := c.Read(make([]byte, 16)); err == nil || err.Error() != "remote error: tls: bad certificate" {
			t.Fatalf("connection %d: read error %v, want the server's alert", i, err)
		}
		if _, err := tcp.Write([]byte("the client did not read yet")); err != nil {
			t.Fatalf("connection %d: write after the alert: %v", i, err)
		}
		var state uint8
		waitFor(t, ioTimeout, "the server's acknowledgement or reset", func() bool {
			var unacked uint32
			state, unacked = tcpInfo(t, tcp)
			return state == tcpClose || unacked == 0
		})
		if state == tcpClose {
			t.Fatalf("connection %d: the server reset the connection after its alert", i)
		}
	}
}

// tcpClose is Linux's TCP_CLOSE state, which a reset leaves a socket in.
const tcpClose = 7

// tcpInfo returns a socket's TCP state and how many of its segments are
// not acknowledged yet.
func tcpInfo(tb testing.TB, c *net.TCPConn) (state uint8, unacked uint32) {
	tb.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		tb.Fatal(err)
	}
	var info *unix.TCPInfo
	var ierr error
	rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
	if ierr != nil {
		tb.Fatalf("getsockopt TCP_INFO: %v", ierr)
	}
	return info.State, info.Unacked
}
