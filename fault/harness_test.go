package fault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
)

// The tests here run the fault pieces on real loopback TLS connections
// with crypto/tls on both ends, wired as the transports wire them, and
// look at what a client sees: bytes, TLS records, FIN or reset, timing.

// sock is the socket as the accept pipeline hands it on: a throttle slot
// under TLS, NetConn to find the TCP connection.
type sock struct {
	net.Conn
	th Throttle
}

func (s *sock) Write(p []byte) (int, error) { return s.th.Write(s.Conn, p) }
func (s *sock) SetWriteDeadline(t time.Time) error {
	s.th.Deadline(t)
	return s.Conn.SetWriteDeadline(t)
}
func (s *sock) NetConn() net.Conn { return s.Conn }

// countingReader counts what the echo read, to show reading stopped.
type countingReader struct {
	io.ReadWriter
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadWriter.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// streamServer is a raw TLS echo on loopback whose connections run
// EchoStream with the spec of Take("tls").
type streamServer struct {
	t    *testing.T
	in   *Injector
	ln   net.Listener
	cfg  *tls.Config
	pool *x509.CertPool
	wg   sync.WaitGroup

	mu      sync.Mutex
	ends    chan error // each connection's EchoStream result
	readers []*countingReader
}

func newCerts(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	src, err := certs.NewSelfSigned([]string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(src.Leaf())
	return src.TLSConfig(certs.Options{}), pool
}

// checkLeaks fails the test if goroutines or descriptors outlive it.
func checkLeaks(t *testing.T) {
	t.Helper()
	fds := openFDs()
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreCurrent())
		// Closed sockets leave the table at once; allow a moment anyway.
		deadline := time.Now().Add(2 * time.Second)
		for openFDs() > fds && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := openFDs(); n > fds {
			t.Errorf("%d descriptors open, %d before the test", n, fds)
		}
	})
}

func openFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

func startStream(t *testing.T, o Options) *streamServer {
	t.Helper()
	checkLeaks(t)
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	in := newInjector(t, o)
	cfg, pool := newCerts(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &streamServer{t: t, in: in, ln: ln, cfg: cfg, pool: pool, ends: make(chan error, 64)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *streamServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// serve is what the listener pipeline and rawtls do for one connection.
func (s *streamServer) serve(c net.Conn) {
	sk := &sock{Conn: c}
	defer sk.Close()
	ci := ConnInfo{Listener: "tls", Peer: c.RemoteAddr().String(), Opened: time.Now()}
	spec := s.in.Take("tls")
	c.SetDeadline(time.Now().Add(5 * time.Second))
	err := s.in.HandshakeDelay(context.Background(), spec, ci)
	if err == nil {
		err = s.in.HandshakeAlert(sk, spec, ci)
	}
	if err != nil {
		s.ends <- err
		return
	}
	tc := tls.Server(sk, s.cfg)
	if err := tc.Handshake(); err != nil {
		s.ends <- err
		return
	}
	c.SetDeadline(time.Time{})
	rw := &countingReader{ReadWriter: tc}
	s.mu.Lock()
	s.readers = append(s.readers, rw)
	s.mu.Unlock()
	sess := s.in.Start(spec, ci, Target{
		Socket: sk,
		Close:  func(int, string) { tc.CloseWrite() },
		Pace:   sk.th.Set,
		Idle:   s.in.IdleTimeout(),
	})
	if sess == nil {
		_, err = io.Copy(tc, tc)
	} else {
		err = sess.EchoStream(rw)
		sess.Stop()
	}
	if err == nil {
		tc.Close()
	}
	s.ends <- err
}

// end waits for the next connection's echo to end.
// firstRead is how many bytes the server has read from its first
// connection.
func (s *streamServer) firstRead() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.readers) == 0 {
		return 0 // its handshake is not done
	}
	return s.readers[0].n.Load()
}

func (s *streamServer) end() error {
	s.t.Helper()
	return nextEnd(s.t, s.ends)
}

// nextEnd waits for the next result of a test server's echoes.
func nextEnd(t *testing.T, ends <-chan error) error {
	t.Helper()
	select {
	case err := <-ends:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the server's echo did not end within 10s")
		return nil
	}
}

// client is one raw TLS client of a streamServer.
type client struct {
	*tls.Conn
	tap       *RecordObserver
	handshake time.Duration // from the dial's start to the handshake's end
	after     int           // records seen when the handshake ended
}

func (s *streamServer) dial(t *testing.T) (*client, error) {
	t.Helper()
	// The handshake is timed from before the dial: the harness's
	// hsdelay counts from the accept, which a loaded machine can reach
	// before the dial returns here.
	start := time.Now()
	raw, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tap := &RecordObserver{}
	tc := tls.Client(Observed(raw, tap), &tls.Config{RootCAs: s.pool, ServerName: "localhost", MinVersion: tls.VersionTLS13})
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	err = tc.Handshake()
	c := &client{Conn: tc, tap: tap, handshake: time.Since(start), after: len(tap.Records())}
	tc.SetDeadline(time.Time{})
	if err != nil {
		tc.Close()
		return c, err
	}
	t.Cleanup(func() { tc.Close() })
	return c, nil
}

func (s *streamServer) mustDial(t *testing.T) *client {
	t.Helper()
	c, err := s.dial(t)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return c
}

// echo sends msg and reads as many bytes back, returning the round trip.
func (c *client) echo(t *testing.T, msg string) time.Duration {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo of %q: %v", msg, err)
	}
	if string(got) != msg {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
	return time.Since(start)
}

// readEnd reads until the connection ends and returns what came and how.
func (c *client) readEnd(t *testing.T, within time.Duration) ([]byte, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(within))
	b, err := io.ReadAll(c)
	if err == nil {
		err = io.EOF
	}
	return b, err
}

// appRecords are the records after the handshake.
func (c *client) appRecords() []Record { return c.tap.Records()[c.after:] }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
