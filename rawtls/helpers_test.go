package rawtls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testmain"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestMain lets more parallel tests run at once than there are CPUs: they
// mostly wait on idle timeouts and drains. The tests that count goroutines
// or descriptors are sequential, so none of the parallel ones overlap them.
func TestMain(m *testing.M) {
	testmain.Parallel(8)
	os.Exit(m.Run())
}

// ioTimeout bounds every blocking call a test makes, so a broken server
// fails the test instead of hanging it.
const ioTimeout = 10 * time.Second

// testServer is a rawtls.Server serving a listener.Listener on a loopback
// port with a fresh in-memory certificate.
type testServer struct {
	srv  *rawtls.Server
	ln   *listener.Listener
	addr string
	pool *x509.CertPool
	cert *certs.Generated

	serveErr  chan error
	serveOnce sync.Once
	serveRes  error
	closeOnce sync.Once
}

// startServer serves srv on 127.0.0.1:0 through a listener.Listener whose
// TLS configuration certs builds from opts, exactly as the command does.
// The server is closed when the test ends.
func startServer(tb testing.TB, srv *rawtls.Server, opts certs.Options) *testServer {
	tb.Helper()
	return startServerWith(tb, srv, listener.Options{}, opts)
}

// startServerWith is startServer with the listener's options (its
// TLSConfig is filled in when nil).
func startServerWith(tb testing.TB, srv *rawtls.Server, lo listener.Options, opts certs.Options) *testServer {
	tb.Helper()
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		tb.Fatal(err)
	}
	if lo.TLSConfig == nil {
		lo.TLSConfig = certs.NewStatic(gen.Cert).TLSConfig(opts)
	}
	if lo.Name == "" {
		lo.Name = "tls"
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := listener.New(tcp, lo)
	ts := &testServer{
		srv:      srv,
		ln:       l,
		addr:     l.Addr().String(),
		pool:     x509.NewCertPool(),
		cert:     gen,
		serveErr: make(chan error, 1),
	}
	ts.pool.AddCert(gen.Cert.Leaf)
	go func() { ts.serveErr <- srv.Serve(l) }()
	tb.Cleanup(func() { ts.close(tb) })
	return ts
}

// close closes the server and checks that Serve ended as documented.
func (ts *testServer) close(tb testing.TB) {
	tb.Helper()
	ts.closeOnce.Do(func() {
		ts.srv.Close()
		if err := ts.served(tb); !errors.Is(err, rawtls.ErrServerClosed) {
			tb.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
}

// served waits for Serve to return and gives its error.
func (ts *testServer) served(tb testing.TB) error {
	tb.Helper()
	ts.serveOnce.Do(func() {
		select {
		case ts.serveRes = <-ts.serveErr:
		case <-time.After(ioTimeout):
			ts.serveRes = errors.New("Serve did not return")
		}
	})
	return ts.serveRes
}

// clientConfig trusts the server's certificate and nothing else.
func (ts *testServer) clientConfig() *tls.Config {
	return &tls.Config{RootCAs: ts.pool, ServerName: "127.0.0.1"}
}

// client is one TLS client connection, with its TCP socket (for a TCP
// half-close) and a copy of every byte the server sent (to look at the
// records on the wire).
type client struct {
	*tls.Conn
	tcp  *net.TCPConn
	wire *wireConn
}

// dial connects and completes the handshake, or returns the error.
func (ts *testServer) dial(cfg *tls.Config) (*client, error) {
	var w *wireConn
	tc, err := ts.dialVia(cfg, func(raw net.Conn) net.Conn {
		w = &wireConn{Conn: raw}
		return w
	})
	if err != nil {
		return nil, err
	}
	return &client{Conn: tc, tcp: w.Conn.(*net.TCPConn), wire: w}, nil
}

// dialVia connects, with the TCP socket under TLS wrapped by wrap, and
// completes the handshake; the connection's deadline is then ioTimeout
// away.
func (ts *testServer) dialVia(cfg *tls.Config, wrap func(net.Conn) net.Conn) (*tls.Conn, error) {
	raw, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(wrap(raw), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	tc.SetDeadline(time.Now().Add(ioTimeout))
	return tc, nil
}

// mustDialVia is dialVia that fails the test on error and closes the
// connection at its end.
func (ts *testServer) mustDialVia(tb testing.TB, wrap func(net.Conn) net.Conn) *tls.Conn {
	tb.Helper()
	tc, err := ts.dialVia(ts.clientConfig(), wrap)
	if err != nil {
		tb.Fatalf("dial %s: %v", ts.addr, err)
	}
	tb.Cleanup(func() { tc.Close() })
	return tc
}

// mustDial is dial that fails the test on error and closes the client at
// its end.
func (ts *testServer) mustDial(tb testing.TB, cfg *tls.Config) *client {
	tb.Helper()
	c, err := ts.dial(cfg)
	if err != nil {
		tb.Fatalf("dial %s: %v", ts.addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// echo sends msg and checks that exactly msg comes back, within ioTimeout
// of its own when c takes deadlines: the one dial sets covers a whole
// test otherwise, and a test that waits between exchanges (for a hook, a
// drain, other clients' dials) on a loaded machine used it up.
func echo(c io.ReadWriter, msg []byte) error {
	if d, ok := c.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(time.Now().Add(ioTimeout))
	}
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read echo of %d bytes: %w", len(msg), err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echo differs from what was sent (%d bytes)", len(msg))
	}
	return nil
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// firstDiff is the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// wireConn keeps a copy of every byte read from the network.
type wireConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wireConn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.mu.Lock()
	w.buf.Write(p[:n])
	w.mu.Unlock()
	return n, err
}

// TLS record content types (RFC 8446 section 5.1).
const (
	recordAlert           = 21
	recordApplicationData = 23
)

// endsWithCloseNotify reports whether the server's byte stream ends, on a
// record boundary, with a close_notify alert. crypto/tls returns io.EOF for
// a bare TCP FIN at a record boundary too, so only the wire tells a clean
// TLS close from a dropped socket. In TLS 1.2 an alert travels in an
// alert record; in TLS 1.3 every record after the handshake looks like
// application data, and an encrypted alert is exactly 2 bytes of alert,
// 1 of inner type and a 16-byte AEAD tag.
func (w *wireConn) endsWithCloseNotify(version uint16) error {
	w.mu.Lock()
	stream := bytes.Clone(w.buf.Bytes())
	w.mu.Unlock()
	var typ byte
	var length int
	for len(stream) > 0 {
		if len(stream) < 5 {
			return fmt.Errorf("stream ends inside a record header (%d bytes)", len(stream))
		}
		typ, length = stream[0], int(stream[3])<<8|int(stream[4])
		if len(stream) < 5+length {
			return fmt.Errorf("stream ends inside a record: %d of %d bytes", len(stream)-5, length)
		}
		stream = stream[5+length:]
	}
	switch {
	case version == tls.VersionTLS12 && typ == recordAlert:
		return nil
	case version == tls.VersionTLS13 && typ == recordApplicationData && length == 2+1+16:
		return nil
	}
	return fmt.Errorf("last record is type %d of %d bytes, not a close_notify alert in %s",
		typ, length, tls.VersionName(version))
}

// isClosed reports whether err is what a reader sees when the peer closed:
// end of stream or a reset.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// openFDs counts this process's open file descriptors.
func openFDs(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// fdBaseline counts descriptors after the network poller exists, so its
// own descriptors, made on first use, are not taken for a leak.
func fdBaseline(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l.Close()
	return openFDs(tb)
}

// waitFDs waits until at most max descriptors are open: closes on the
// server side happen in other goroutines, a moment after the client sees
// them.
func waitFDs(tb testing.TB, max int, within time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		n := openFDs(tb)
		if n <= max {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("%d descriptors open after %v, want at most %d", n, within, max)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor polls cond until it holds or within has passed.
func waitFor(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkNoLeaks fails the test if goroutines other than those in ignore
// (taken with goleak.IgnoreCurrent at the start) are still running; goleak
// retries for a while, so goroutines on their way out are waited for.
func checkNoLeaks(tb testing.TB, ignore goleak.Option) {
	tb.Helper()
	if err := goleak.Find(ignore); err != nil {
		tb.Error(err)
	}
}

// smallBuffers is a dialer that sets each of opts (SO_RCVBUF, SO_SNDBUF)
// to 4 KiB on its socket: a client that soon stops taking what the
// server sends, or stops its own writes being taken.
func smallBuffers(opts ...int) *net.Dialer {
	return &net.Dialer{Timeout: ioTimeout, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			for _, opt := range opts {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4<<10)
			}
		})
	}}
}
