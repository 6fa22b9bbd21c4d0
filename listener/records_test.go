//go:build unix

package listener_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// holdConn is a client connection whose writes can be held and sent
// later in one write, or in pieces: several TLS records in one TCP
// segment, or a record cut anywhere.
type holdConn struct {
	net.Conn
	mu   sync.Mutex
	hold bool
	buf  bytes.Buffer
}

func (h *holdConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hold {
		return h.buf.Write(p)
	}
	return h.Conn.Write(p)
}

// held stops holding and returns what was held.
func (h *holdConn) held() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold = false
	b := bytes.Clone(h.buf.Bytes())
	h.buf.Reset()
	return b
}

// recordPair is a client and the server's end of one TLS connection
// through a Listener; the test reads the server's end itself.
type recordPair struct {
	client *tls.Conn
	hold   *holdConn
	server *tls.Conn
	lc     *listener.Conn
}

func newRecordPair(t *testing.T) *recordPair {
	t.Helper()
	return newRecordPairWith(t, clientConfig(t))
}

// newRecordPairWith is newRecordPair with the client's config cfg, as for
// a version or cipher suite of its own.
func newRecordPairWith(t *testing.T, cfg *tls.Config) *recordPair {
	t.Helper()
	l := listen(t, tlsOptions(t, listener.Options{Name: "tls"}))
	got := acceptAll(t, l)
	nc, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	hc := &holdConn{Conn: nc}
	client := tls.Client(hc, cfg)
	t.Cleanup(func() { client.Close() })
	client.SetDeadline(time.Now().Add(ioTimeout))
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	server := a.c.(*tls.Conn)
	server.SetDeadline(time.Now().Add(ioTimeout))
	return &recordPair{client: client, hold: hc, server: server, lc: listener.From(server)}
}

// sendRecords writes each message as its own TLS record, all in one TCP
// write.
func (p *recordPair) sendRecords(t *testing.T, msgs ...string) {
	t.Helper()
	p.hold.mu.Lock()
	p.hold.hold = true
	p.hold.mu.Unlock()
	for _, m := range msgs {
		if _, err := p.client.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.hold.Conn.Write(p.hold.held()); err != nil {
		t.Fatal(err)
	}
}

// read reads through crypto/tls as a server does, telling the Conn of
// each read that returned data.
func (p *recordPair) read(t *testing.T) string {
	t.Helper()
	return p.readN(t, 64)
}

// readN is read with a buffer of size bytes.
func (p *recordPair) readN(t *testing.T, size int) string {
	t.Helper()
	buf := make([]byte, size)
	n, err := p.server.Read(buf)
	if err != nil {
		t.Fatalf("server read: %v", err)
	}
	p.lc.RecordRead(n, len(buf))
	return string(buf[:n])
}

// probe reads with an expired deadline, as a server does when crypto/tls
// may hold input: it takes input held already, or learns there is none.
func (p *recordPair) probe(t *testing.T) string {
	t.Helper()
	p.server.SetReadDeadline(time.Unix(1, 0))
	defer p.server.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 64)
	n, err := p.server.Read(buf)
	if n > 0 {
		p.lc.RecordRead(n, len(buf))
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("probe: %v", err)
	}
	return string(buf[:n])
}

func (p *recordPair) wantUnread(t *testing.T, when string, want listener.Unread) {
	t.Helper()
	if got := p.lc.Unread(); got != want {
		t.Errorf("%s: Unread %d, want %d", when, got, want)
	}
}

// TestUnreadRecords: the Conn tells when crypto/tls holds no input, so a
// server may wait for the socket itself, and never says so while a
// complete record is held: several records that came in one segment are
// read one per Read, without the socket.
func TestUnreadRecords(t *testing.T) {
	t.Parallel()
	p := newRecordPair(t)
	// The handshake's own records were consumed unseen: cautious until a
	// read finds nothing.
	p.wantUnread(t, "after the handshake", listener.UnreadMaybe)
	if got := p.probe(t); got != "" {
		t.Fatalf("probe after the handshake read %q", got)
	}
	p.wantUnread(t, "after a probe found nothing", listener.UnreadNone)

	p.sendRecords(t, "one")
	if got := p.read(t); got != "one" {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "after the only record", listener.UnreadNone)

	p.sendRecords(t, "two", "three", "four")
	for i, want := range []string{"two", "three", "four"} {
		if got := p.read(t); got != want {
			t.Fatalf("read %q, want %q", got, want)
		}
		if i < 2 {
			p.wantUnread(t, "with records left in the segment", listener.UnreadMaybe)
		}
	}
	p.wantUnread(t, "after the segment's last record", listener.UnreadNone)
}

// TestUnreadRecordLongerThanTheRead: a read whose buffer the record's
// data fills leaves the rest in crypto/tls; until a read takes the last
// of it, crypto/tls may hold input.
func TestUnreadRecordLongerThanTheRead(t *testing.T) {
	t.Parallel()
	p := newRecordPair(t)
	p.probe(t)
	long := strings.Repeat("x", 100) // p.read reads 64 bytes at a time
	p.sendRecords(t, long)
	if got := p.read(t); got != long[:64] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "with part of a record's data read", listener.UnreadMaybe)
	if got := p.read(t); got != long[64:] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "after the rest of it", listener.UnreadNone)
}

// TestUnreadRecordReadExactly: reads whose buffers a record's data
// fills exactly, as gorilla's are when it asks for the rest of a frame
// that ends its record, consume the record once they have returned all
// of its data. Before, a read that filled its buffer counted nothing, and
// a WebSocket connection that had echoed a message longer than gorilla's
// read buffer waited inside crypto/tls, on a deep stack, for the next.
func TestUnreadRecordReadExactly(t *testing.T) {
	t.Parallel()
	p := newRecordPair(t)
	p.probe(t)
	msg := strings.Repeat("x", 96)
	p.sendRecords(t, msg)
	if got := p.readN(t, 32); got != msg[:32] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "with part of a record's data read", listener.UnreadMaybe)
	if got := p.readN(t, 64); got != msg[32:] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "after the rest of it, read exactly", listener.UnreadNone)

	// Two records in one segment: the second's length is not known when
	// the first is consumed, so until a read takes less than it asked
	// for, crypto/tls may hold input.
	p.sendRecords(t, msg[:64], msg[:64])
	if got := p.readN(t, 64); got != msg[:64] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "with a second record in the segment", listener.UnreadMaybe)
	if got := p.readN(t, 64); got != msg[:64] {
		t.Fatalf("read %q", got)
	}
	p.wantUnread(t, "after the second, read exactly", listener.UnreadMaybe)
	if got := p.probe(t); got != "" {
		t.Fatalf("probe read %q", got)
	}
	p.wantUnread(t, "after a probe found nothing", listener.UnreadNone)
}

// TestUnreadPartialRecord: a record cut anywhere, its header included,
// is told apart from no input: the rest is still to come.
func TestUnreadPartialRecord(t *testing.T) {
	t.Parallel()
	p := newRecordPair(t)
	p.probe(t)
	for _, cut := range []int{1, 3, 5, 6, 20} {
		p.hold.mu.Lock()
		p.hold.hold = true
		p.hold.mu.Unlock()
		if _, err := p.client.Write([]byte("cut anywhere")); err != nil {
			t.Fatal(err)
		}
		rec := p.hold.held()
		if _, err := p.hold.Conn.Write(rec[:cut]); err != nil {
			t.Fatal(err)
		}
		waitReadable(t, p.lc, cut)
		// The read takes the piece and waits for the rest, which does not
		// come before its deadline: half a second, ample for a piece that
		// is in the socket already.
		p.server.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if n, err := p.server.Read(make([]byte, 64)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("cut at %d: read %d, %v; want the deadline", cut, n, err)
		}
		p.server.SetReadDeadline(time.Now().Add(ioTimeout))
		p.wantUnread(t, "with part of a record read", listener.UnreadPartial)
		if _, err := p.hold.Conn.Write(rec[cut:]); err != nil {
			t.Fatal(err)
		}
		if got := p.read(t); got != "cut anywhere" {
			t.Fatalf("cut at %d: read %q", cut, got)
		}
		p.wantUnread(t, "after the record's rest", listener.UnreadNone)
	}
}

// waitReadable waits until the server's socket holds at least n bytes,
// peeking without taking them.
func waitReadable(t *testing.T, lc *listener.Conn, n int) {
	t.Helper()
	rc, err := lc.NetConn().(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, n)
	err = rc.Read(func(fd uintptr) bool {
		got, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err == nil && got >= n
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnreadNoneHoldsNothing: whatever the sizes of the records and of
// the reads, whenever the Conn says crypto/tls holds no input (so that a
// server waits on the socket), a read that cannot wait (an expired
// deadline) finds nothing: a wait then could never sleep on input
// crypto/tls already had. Batches of records of random sizes go in one
// TCP write each and are read with buffers of random sizes, some exactly
// what is left of a record's data, as gorilla reads the end of a frame,
// some one byte short of it.
func TestUnreadNoneHoldsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		suite uint16 // TLS 1.2's; 0 for TLS 1.3
	}{
		{"TLS 1.3", 0},
		{"TLS 1.2 AES-GCM", tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"TLS 1.2 ChaCha20", tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := clientConfig(t)
			if tc.suite != 0 {
				cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS12, []uint16{tc.suite}
			}
			p := newRecordPairWith(t, cfg)
			if got := p.server.ConnectionState().Version; tc.suite != 0 && got != tls.VersionTLS12 {
				t.Fatalf("negotiated %s", tls.VersionName(got))
			}
			unreadNoneHoldsNothing(t, p)
		})
	}
}

func unreadNoneHoldsNothing(t *testing.T, p *recordPair) {
	p.probe(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var none int
	for batch := range 60 {
		msgs := make([]string, 1+rng.IntN(4))
		total := 0
		for i := range msgs {
			msgs[i] = strings.Repeat(string(rune('a'+i)), 1+rng.IntN(3000))
			total += len(msgs[i])
		}
		p.sendRecords(t, msgs...)
		for i, read := 0, 0; read < total; i++ {
			size := 1 + rng.IntN(4096)
			if mode := rng.IntN(3); mode > 0 {
				// Exactly what is left of a record's data, as far as the
				// reader can tell (what is left of its message), or one
				// byte short of it.
				left, at := total-read, 0
				for _, m := range msgs {
					if at+len(m) > read {
						left = at + len(m) - read
						break
					}
					at += len(m)
				}
				size = max(1, left-(mode-1))
			}
			read += len(p.readN(t, size))
			if p.lc.Unread() != listener.UnreadNone {
				continue
			}
			none++
			if got := p.probe(t); got != "" {
				t.Fatalf("batch %d, read %d: Unread said crypto/tls holds nothing, and a read that could not wait took %d bytes", batch, i, len(got))
			}
		}
	}
	if none == 0 {
		t.Fatal("Unread never said crypto/tls holds nothing: the test checked nothing")
	}
	t.Logf("%d reads after which crypto/tls held nothing, each checked", none)
}
