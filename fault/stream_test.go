package fault

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// arm arms spec for the next connection of the test server, or fails.
func (s *streamServer) arm(t *testing.T, spec string) {
	t.Helper()
	if _, err := s.in.Arm("tls", spec, 1); err != nil {
		t.Fatalf("arm %q: %v", spec, err)
	}
}

func TestStreamDelay(t *testing.T) {
	s := startStream(t, Options{})
	const d, j = 100 * time.Millisecond, 50 * time.Millisecond
	s.arm(t, "delay:100ms~50ms")
	c := s.mustDial(t)
	for i := range 5 {
		rtt := c.echo(t, fmt.Sprintf("ping %d", i))
		// Held at least D after it arrived, so the round trip is longer;
		// the upper bound only catches a hold far beyond D+J (a loaded
		// machine adds scheduling delay, never removes any).
		if rtt < d || rtt > d+j+2*time.Second {
			t.Errorf("echo %d took %v, want at least %v and not far over %v", i, rtt, d, d+j)
		}
	}
	c.Close()
	if err := s.end(); err != nil {
		t.Fatalf("echo ended with %v", err)
	}
}

// TestStreamDelayOrderAndPipeline sends many chunks at once: they come
// back in order, and each is held D from its own arrival, so the whole
// burst takes about D, not D per chunk.
func TestStreamDelayOrderAndPipeline(t *testing.T) {
	s := startStream(t, Options{})
	s.arm(t, "delay:300ms~100ms")
	c := s.mustDial(t)
	var want bytes.Buffer
	start := time.Now()
	for i := range 20 {
		fmt.Fprintf(&want, "chunk %02d;", i)
		c.Write([]byte(fmt.Sprintf("chunk %02d;", i)))
	}
	got := make([]byte, want.Len())
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("echo out of order:\n got %s\nwant %s", got, want.Bytes())
	}
	// Serially, 20 holds of at least 300ms would take 6s; a pipeline takes
	// one hold plus scheduling. 4s leaves a loaded machine room.
	if took < 300*time.Millisecond || took > 4*time.Second {
		t.Fatalf("burst took %v, want about one hold (300-400ms), not one per chunk", took)
	}
}

// TestStreamDelayAfterBytes sends more than N bytes in one record under
// delay@N: the first N come back at once, and the delay takes effect
// right after the N-th, so the rest of that same record is held too.
func TestStreamDelayAfterBytes(t *testing.T) {
	s := startStream(t, Options{})
	const d = 500 * time.Millisecond
	s.arm(t, "delay:500ms@5")
	c := s.mustDial(t)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(c, "hello world"); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(c, head); err != nil || string(head) != "hello" {
		t.Fatalf("first 5 bytes: %q, %v; want hello", head, err)
	}
	if took := time.Since(start); took >= d {
		t.Errorf("the 5 bytes before the trigger took %v, want less than the %v delay", took, d)
	}
	tail := make([]byte, 6)
	if _, err := io.ReadFull(c, tail); err != nil || string(tail) != " world" {
		t.Fatalf("rest: %q, %v; want \" world\"", tail, err)
	}
	if took := time.Since(start); took < d {
		t.Fatalf("the bytes after the 5th came back after %v, want them held at least %v", took, d)
	}
	c.Close()
	s.end()
}

// TestStreamDelayBackPressure sends far more than the delay queue holds
// while the echo is held: the server stops reading instead of buffering.
func TestStreamDelayBackPressure(t *testing.T) {
	s := startStream(t, Options{})
	s.arm(t, "delay:2s")
	c := s.mustDial(t)
	c.SetWriteDeadline(time.Now().Add(700 * time.Millisecond))
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	written := 0
	for written < 64<<20 {
		n, err := c.Write(chunk)
		written += n
		if err != nil {
			break
		}
	}
	read := s.firstRead()
	// The queue holds 64 KiB; the reader may hold one more chunk and one
	// more record while it waits.
	if limit := int64(streamBudget + 2*streamChunk); read > limit {
		t.Fatalf("server read %d bytes while holding echoes (client wrote %d); want at most %d", read, written, limit)
	}
	if written <= int(read) {
		t.Fatalf("client wrote only %d bytes, no more than the server read (%d): the test shows nothing", written, read)
	}
	c.Close()
	s.end()
}

// TestStreamFrag reads the TLS records off the wire: none carries more
// than N bytes of echo.
func TestStreamFrag(t *testing.T) {
	// frag:1, the smallest, is the README's own example.
	for _, n := range []int{3, 1} {
		t.Run(fmt.Sprintf("frag:%d", n), func(t *testing.T) {
			s := startStream(t, Options{})
			s.arm(t, fmt.Sprintf("frag:%d", n))
			c := s.mustDial(t)
			msg := strings.Repeat("abcdefghij", 10)
			c.echo(t, msg)
			recs := c.appRecords()
			// TLS 1.3: each record is the plaintext, its content type byte
			// and a 16-byte AEAD tag (RFC 8446 section 5.2).
			const overhead = 17
			total := 0
			for _, r := range recs {
				if r.Type != 23 || r.Len-overhead > n {
					t.Fatalf("record %+v carries more than %d bytes (records: %v)", r, n, recs)
				}
				total += r.Len - overhead
			}
			if want := (len(msg) + n - 1) / n; total != len(msg) || len(recs) != want {
				t.Fatalf("%d records with %d bytes, want %d records with %d", len(recs), total, want, len(msg))
			}
		})
	}
}

// TestStreamBandwidth measures the echo's throughput under bw.
func TestStreamBandwidth(t *testing.T) {
	s := startStream(t, Options{})
	const rate = 64 << 10
	s.arm(t, "bw:64KiB")
	c := s.mustDial(t)
	msg := bytes.Repeat([]byte("y"), 64<<10)
	start := time.Now()
	go c.Write(msg)
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	bps := float64(len(msg)) / took.Seconds()
	// No piece goes before its time at the rate, the first included, and
	// TLS overhead counts against the rate too, so the echo itself is
	// slower than the rate; 6% is room for the clocks' granularity.
	if bps > rate*1.06 {
		t.Fatalf("echo throughput %.0f B/s over %v, want at most %d", bps, took, rate)
	}
	t.Logf("%d bytes echoed in %v: %.0f B/s under a cap of %d", len(msg), took, bps, rate)
}

// streamEndTests end the connection after 5 bytes: close@ with a
// close_notify, fin@ with a bare FIN (no reset either way).
var streamEndTests = []struct {
	name string
	spec string
	// records checks the records after the handshake; it says what was
	// wanted, or "" when they are right.
	records func(recs []Record) string
}{
	{"close", "close@5", func(recs []Record) string {
		// The echo's records and then one more: close_notify.
		if n := len(recs); n < 2 || recs[n-1].Len != 2+17 {
			return "the echo and then a close_notify alert"
		}
		return ""
	}},
	{"fin", "fin@5", func(recs []Record) string {
		// No close_notify: the only record is the echo.
		if len(recs) != 1 || recs[0].Len != 5+17 {
			return "only the 5-byte echo"
		}
		return ""
	}},
}

func TestStreamEndAfterBytes(t *testing.T) {
	for _, tt := range streamEndTests {
		t.Run(tt.name, func(t *testing.T) {
			s := startStream(t, Options{})
			s.arm(t, tt.spec)
			c := s.mustDial(t)
			io.WriteString(c, "hello world")
			got, err := c.readEnd(t, 5*time.Second)
			if string(got) != "hello" || !errors.Is(err, io.EOF) {
				t.Fatalf("got %q, %v; want exactly 5 bytes then EOF", got, err)
			}
			if recs := c.appRecords(); tt.records(recs) != "" {
				t.Fatalf("records after the handshake %v: want %s", recs, tt.records(recs))
			}
			c.Close()
			if err := s.end(); !errors.Is(err, ErrEnded) {
				t.Fatalf("server echo ended with %v, want ErrEnded", err)
			}
		})
	}
}

func TestStreamRST(t *testing.T) {
	s := startStream(t, Options{})
	s.arm(t, "rst@1")
	c := s.mustDial(t)
	io.WriteString(c, "hello")
	got, err := c.readEnd(t, 5*time.Second)
	if !isReset(err) {
		t.Fatalf("got %q, %v; want a connection reset", got, err)
	}
	if len(got) > 1 {
		t.Fatalf("got %q after rst@1, want at most 1 byte", got)
	}
	s.end()
}

// TestStreamBlackhole: nothing comes back and nothing is read; the socket
// stays open until the idle timeout, then closes with a FIN.
func TestStreamBlackhole(t *testing.T) {
	const idle = 400 * time.Millisecond
	s := startStream(t, Options{IdleTimeout: idle})
	s.arm(t, "blackhole")
	c := s.mustDial(t)
	start := time.Now()
	io.WriteString(c, "anyone there?")
	got, err := c.readEnd(t, 10*time.Second)
	if len(got) != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("got %q, %v; want no bytes, then the close", got, err)
	}
	if took := time.Since(start); took < idle {
		t.Fatalf("closed after %v, before the idle timeout %v", took, idle)
	}
	read := s.firstRead()
	if read != 0 {
		t.Fatalf("server read %d bytes of a blackholed connection", read)
	}
	if err := s.end(); !errors.Is(err, ErrEnded) {
		t.Fatalf("server echo ended with %v", err)
	}
}

// TestStreamBlackholeClientCloses: the hold ends as soon as the client
// closes, long before the idle timeout.
func TestStreamBlackholeClientCloses(t *testing.T) {
	s := startStream(t, Options{IdleTimeout: time.Minute})
	s.arm(t, "blackhole@2")
	c := s.mustDial(t)
	io.WriteString(c, "hello")
	got := make([]byte, 2)
	io.ReadFull(c, got)
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); n != 0 || !isTimeout(err) {
		t.Fatalf("read after blackhole@2 = %d, %v; want nothing", n, err)
	}
	c.Close()
	start := time.Now()
	if err := s.end(); !errors.Is(err, ErrEnded) {
		t.Fatalf("server echo ended with %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the hold outlived the client's close by %v", took)
	}
}

func TestStreamCloseAfterTime(t *testing.T) {
	s := startStream(t, Options{})
	// @D counts from the TCP accept, so the dial, the handshake and the
	// echo before the close must fit in D: 200ms did not on a cold
	// machine compiling other packages under -race, so it is 1.5s.
	s.arm(t, "close@1500ms")
	c := s.mustDial(t)
	c.echo(t, "quick")
	got, err := c.readEnd(t, 10*time.Second)
	if len(got) != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("got %q, %v; want the close", got, err)
	}
	c.Close()
	s.end()
}

func TestHandshakeDelay(t *testing.T) {
	s := startStream(t, Options{})
	// The unarmed handshake must stay under the delay: one took 325ms on a
	// two-core machine busy compiling under -race, so the delay is a
	// second, not a fraction.
	const d = time.Second
	s.arm(t, "hsdelay:1s")
	c := s.mustDial(t)
	if c.handshake < d {
		t.Fatalf("handshake took %v, want at least %v", c.handshake, d)
	}
	c.echo(t, "after the wait")
	clean := s.mustDial(t)
	if clean.handshake >= d {
		t.Errorf("an unarmed handshake took %v", clean.handshake)
	}
}

// goAlertText is how crypto/tls names each alert it receives.
var goAlertText = map[string]string{
	"handshake_failure":     "handshake failure",
	"protocol_version":      "protocol version not supported",
	"bad_certificate":       "bad certificate",
	"unrecognized_name":     "unrecognized name",
	"internal_error":        "internal error",
	"access_denied":         "access denied",
	"insufficient_security": "insufficient security level",
}

func TestHandshakeAlert(t *testing.T) {
	for _, name := range AlertNames() {
		t.Run(name, func(t *testing.T) {
			s := startStream(t, Options{})
			s.arm(t, "alert:"+name)
			_, err := s.dial(t)
			if want := "remote error: tls: " + goAlertText[name]; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("handshake error %v, want %q", err, want)
			}
			if err := s.end(); !errors.Is(err, ErrAlertSent) {
				t.Fatalf("server side: %v", err)
			}
		})
	}
}

// TestHandshakeAlertNotTLS: SendAlert given plain HTTP or an
// SSLv2-compatible hello returns ErrNotTLS at once, sending nothing,
// rather than reading a record length from the bytes and waiting for it
// until the deadline (5 s in the harness, which then says so instead).
func TestHandshakeAlertNotTLS(t *testing.T) {
	for _, tt := range []struct{ name, first string }{
		{"HTTP", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"},
		{"SSLv2 hello", "\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startStream(t, Options{})
			s.arm(t, "alert:internal_error")
			nc, err := net.Dial("tcp", s.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			io.WriteString(nc, tt.first)
			if err := s.end(); !errors.Is(err, ErrNotTLS) {
				t.Fatalf("server side: %v, want ErrNotTLS", err)
			}
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if got, _ := io.ReadAll(nc); len(got) != 0 {
				t.Errorf("the server sent %q, want nothing", got)
			}
		})
	}
}

// TestStreamEndsWithoutTheClient: after close and fin the server closes
// the connection itself, soon, even when the client keeps its end open.
func TestStreamEndsWithoutTheClient(t *testing.T) {
	for _, spec := range []string{"close@5", "fin@5"} {
		t.Run(spec, func(t *testing.T) {
			s := startStream(t, Options{IdleTimeout: time.Minute})
			s.arm(t, spec)
			c := s.mustDial(t)
			io.WriteString(c, "hello world")
			if got, err := c.readEnd(t, 5*time.Second); string(got) != "hello" || !errors.Is(err, io.EOF) {
				t.Fatalf("got %q, %v", got, err)
			}
			// The client stays open; the server's own end must come long
			// before the minute of idle time.
			start := time.Now()
			if err := s.end(); !errors.Is(err, ErrEnded) {
				t.Fatalf("server echo ended with %v", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("server held the connection %v after %s", took, spec)
			}
		})
	}
}

// TestStreamDelayClientReset: a client that resets its connection while
// its echoes are held is gone: the echo ends at once, dropping them,
// rather than D later.
func TestStreamDelayClientReset(t *testing.T) {
	s := startStream(t, Options{})
	s.arm(t, "delay:60s")
	c := s.mustDial(t)
	c.Write(make([]byte, 4<<10))
	deadline := time.Now().Add(10 * time.Second)
	for s.firstRead() < 4<<10 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not read what was sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tcp := c.NetConn().(interface{ NetConn() net.Conn }).NetConn().(*net.TCPConn)
	tcp.SetLinger(0)
	tcp.Close()
	if err := s.end(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("echo ended with %v, want the reset", err)
	}
}

// TestStreamEndWakesPacedWrite: under bw:1KiB each 1 KiB piece of an echo
// waits a second. A fin or rst that acts while a piece waits ends the
// echo at once: the waiting write slept on until its piece's time, and
// only then failed on the socket the verb had shut, holding the
// connection's goroutine (and its slot) that long. The client sends its
// 4 KiB in one record, which the server echoes in one paced write of
// four pieces.
func TestStreamEndWakesPacedWrite(t *testing.T) {
	// The pieces go about 1, 2, 3 and 4 s after the record arrives. fin
	// fires at 1.1 s and acts once the write in progress has had cutWait
	// (250 ms) to end, which it cannot; rst acts as it fires, at 1.4 s.
	for _, verb := range []string{"fin@1100ms", "rst@1400ms"} {
		t.Run(verb, func(t *testing.T) {
			s := startStream(t, Options{})
			s.arm(t, "bw:1KiB,"+verb)
			raw, err := net.Dial("tcp", s.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			// Without the small first records of dynamic sizing, the
			// 4 KiB go as one record, read by the server at once.
			c := tls.Client(raw, &tls.Config{RootCAs: s.pool, ServerName: "localhost", DynamicRecordSizingDisabled: true})
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			if _, err := c.Write(make([]byte, 4<<10)); err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, c)
			c.Close()
			err = s.end()
			// Before the piece due at 2 s: a write that waited for it
			// could not end sooner.
			if took := time.Since(sent); took >= 2*time.Second {
				t.Errorf("the echo ended %v after the write (%v), past the next paced piece's time", took.Round(time.Millisecond), err)
			}
		})
	}
}
