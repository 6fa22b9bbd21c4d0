package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tlsecho/tlsecho/rawtls"
)

var insecureTLS = &tls.Config{InsecureSkipVerify: true}

func dialWS(t testing.TB, httpsAddr string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("wss://"+httpsAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial wss: %v (response %v)", err, resp)
	}
	return c
}

// streamer sends random bytes on a raw TLS connection for a while and
// collects the echo, so a test can check nothing sent was lost.
type streamer struct {
	conn     *tls.Conn
	mu       sync.Mutex
	sent     bytes.Buffer
	got      bytes.Buffer
	readErr  error
	readDone chan struct{}
}

func newStreamer(t testing.TB, addr string) *streamer {
	t.Helper()
	c, err := tls.Dial("tcp", addr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	s := &streamer{conn: c, readDone: make(chan struct{})}
	go func() {
		defer close(s.readDone)
		_, err := io.Copy(&lockedWriter{&s.mu, &s.got}, c)
		s.readErr = err
	}()
	return s
}

// waitEchoed waits until some of what the streamer sent has come back.
func (s *streamer) waitEchoed(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		s.mu.Lock()
		n := s.got.Len()
		s.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no echo within %v", ioWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// send writes chunks every few milliseconds until stop is closed.
func (s *streamer) send(stop <-chan struct{}) {
	chunk := make([]byte, 4096)
	for {
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		rand.Read(chunk)
		s.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := s.conn.Write(chunk); err != nil {
			return
		}
		s.sent.Write(chunk)
	}
}

// talker echoes chunks in lock step on a raw TLS connection: each chunk
// goes out when the one before has come back, so the client is never
// quiet for longer than a round trip, and every byte is checked.
type talker struct {
	conn *tls.Conn
	sent int
	// lastSend is when the write of the last chunk that came back began:
	// the server cannot have read anything of this client's later.
	lastSend time.Time
}

func newTalker(t testing.TB, addr string) *talker {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", addr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &talker{conn: c}
}

// endedError is what roundTrip returns when the server ended the
// connection cleanly (close_notify) before it took the next chunk.
type endedError struct {
	chunk int
	at    time.Time
}

func (e *endedError) Error() string {
	return fmt.Sprintf("chunk %d: the server closed the connection (close_notify) instead of echoing it", e.chunk)
}

// roundTrip sends the next chunk and checks that exactly it comes back.
func (tk *talker) roundTrip() error {
	chunk := fmt.Appendf(nil, "chunk %d|", tk.sent)
	tk.conn.SetDeadline(time.Now().Add(ioWait))
	start := time.Now()
	if _, err := tk.conn.Write(chunk); err != nil {
		// A server that has closed can make the write fail before its
		// close_notify is read: read it to tell that from a failure.
		if n, rerr := tk.conn.Read(make([]byte, 1)); n == 0 && errors.Is(rerr, io.EOF) {
			return &endedError{tk.sent, time.Now()}
		}
		return fmt.Errorf("chunk %d: write: %w", tk.sent, err)
	}
	got := make([]byte, len(chunk))
	if n, err := io.ReadFull(tk.conn, got); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return &endedError{tk.sent, time.Now()}
		}
		return fmt.Errorf("chunk %d: read echo: %w", tk.sent, err)
	}
	if !bytes.Equal(got, chunk) {
		return fmt.Errorf("chunk %d: echo %q", tk.sent, got)
	}
	tk.sent++
	tk.lastSend = start
	return nil
}

// endedQuietly tells whether err, from roundTrip, is the drain ending the
// connection: a clean close_notify between two chunks, after since (when
// the drain began, or earlier) and no sooner than DrainQuiet after the
// last chunk that came back went out, the server ending a draining client
// that has sent nothing that long. A client in lock step is quiet for a
// round trip, which on a loaded machine can take longer than DrainQuiet.
// A nil err is false; any other error fails the test.
func (tk *talker) endedQuietly(t testing.TB, who string, err error, since time.Time) bool {
	t.Helper()
	if err == nil {
		return false
	}
	var ended *endedError
	if !errors.As(err, &ended) {
		t.Fatalf("%s: %v", who, err)
	}
	if ended.at.Before(since) {
		t.Fatalf("%s: %v, before the drain began", who, err)
	}
	quiet := ended.at.Sub(tk.lastSend)
	if quiet < rawtls.DefaultDrainQuiet {
		t.Fatalf("%s: %v %v after its last chunk went out, want no sooner than DrainQuiet (%v)", who, err, quiet, rawtls.DefaultDrainQuiet)
	}
	t.Logf("%s: %v, after %d chunks; the client was quiet for %v", who, err, tk.sent, quiet)
	return true
}

// ioWait bounds each blocking step of these tests: far beyond what any of
// them takes, even on a loaded machine, so only a hang reaches it.
const ioWait = 10 * time.Second

// waitRefused waits until addr refuses new connections: the drain has
// closed its listener.
func waitRefused(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		c, err := net.DialTimeout("tcp", addr, ioWait)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts %v into the drain", addr, ioWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdDrain opens a WebSocket connection that never reads, so it never
// answers the server's close: the drain waits for that answer (two
// seconds) or for the shutdown timeout, whichever ends first. It gives a
// test a drain that lasts no matter how the machine schedules the test.
func holdDrain(t testing.TB, httpsAddr string) {
	t.Helper()
	c := dialWS(t, httpsAddr)
	t.Cleanup(func() { c.Close() })
	// The client has its 101 before the server counts the connection as
	// served; an echo proves it is, so a drain starting now waits for it.
	c.SetWriteDeadline(time.Now().Add(ioWait))
	c.SetReadDeadline(time.Now().Add(ioWait))
	if err := c.WriteMessage(websocket.TextMessage, []byte("hold")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hold" {
		t.Fatalf("ws echo: %q, %v", msg, err)
	}
}

// TestSIGTERM sends the real signal to a real process: WebSocket clients
// get 1001, a raw TLS client still sending is served through the start of
// the drain and gets every byte back, then close_notify once quiet, an
// idle one is closed, and the process exits 0.
func TestSIGTERM(t *testing.T) {
	t.Parallel()
	const timeout = 10 * time.Second
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT="+timeout.String())

	wc := dialWS(t, p.HTTPSAddr)
	defer wc.Close()
	if err := wc.WriteMessage(websocket.TextMessage, []byte("before")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := wc.ReadMessage(); err != nil || string(msg) != "before" {
		t.Fatalf("ws echo before signal: %q, %v", msg, err)
	}

	idle, err := tls.Dial("tcp", p.TLSAddr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := idle.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	one := make([]byte, 1)
	if _, err := io.ReadFull(idle, one); err != nil {
		t.Fatal(err)
	}

	busy := newTalker(t, p.TLSAddr)
	if err := busy.roundTrip(); err != nil {
		t.Fatal(err)
	}
	// The busy client keeps talking until the drain has closed the
	// listener, and for a few round trips more, then falls quiet.
	drained := make(chan struct{})
	talked := make(chan error, 1)
	go func() {
		for {
			if err := busy.roundTrip(); err != nil {
				talked <- err
				return
			}
			select {
			case <-drained:
				for range 5 {
					if err := busy.roundTrip(); err != nil {
						talked <- fmt.Errorf("during the drain: %w", err)
						return
					}
				}
				talked <- nil
				return
			default:
			}
		}
	}()

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range p.waitLog(t, "shutting down", ioWait) {
	}
	waitRefused(t, p.TLSAddr)
	close(drained)
	// The server ends a client that has been quiet for DrainQuiet: this
	// one once it stops, or sooner if a round trip takes that long.
	// Whatever came back was checked byte for byte.
	if !busy.endedQuietly(t, "busy raw TLS client", <-talked, signalled) {
		// Quiet now: the server ends the connection cleanly.
		busy.conn.SetReadDeadline(time.Now().Add(ioWait))
		if n, err := busy.conn.Read(one); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("busy raw TLS client after falling quiet: %d bytes, %v; want io.EOF (close_notify)", n, err)
		}
	}
	idle.SetReadDeadline(time.Now().Add(ioWait))
	if _, err := idle.Read(one); !errors.Is(err, io.EOF) {
		t.Errorf("idle raw TLS client: read err = %v, want io.EOF (close_notify)", err)
	}
	wc.SetReadDeadline(time.Now().Add(ioWait))
	_, _, err = wc.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("ws client: %v, want close 1001", err)
	}

	if err := p.wait(t, timeout+ioWait); err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	if took := time.Since(signalled); took > timeout {
		t.Errorf("shutdown took %v, more than TLSECHO_SHUTDOWN_TIMEOUT", took)
	}
}

// TestSIGTERMUncooperative: clients that neither answer the close nor stop
// sending cannot keep the process past TLSECHO_SHUTDOWN_TIMEOUT.
func TestSIGTERMUncooperative(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT="+timeout.String())

	// A client stuck before its handshake.
	stuck, err := net.Dial("tcp", p.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	// A WebSocket client that never reads, so never answers the close.
	holdDrain(t, p.HTTPSAddr)
	// A raw TLS client that never stops sending.
	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop)
	busy.waitEchoed(t)

	signalled := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, timeout+ioWait); err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	// The server cuts the drain a little before the timeout; the slack
	// beyond it is for the exit and its observation on a loaded machine.
	// Without the timeout these clients would hold the process for good.
	if took := time.Since(signalled); took > timeout+3*time.Second {
		t.Errorf("exit %v after SIGTERM, want within the %v shutdown timeout", took, timeout)
	}
}

// TestReadyzDuringDrain: /readyz turns 503 as soon as shutdown starts,
// while connections still drain, so a load balancer stops sending.
func TestReadyzDuringDrain(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "5s"})
	if code := readyz(ta.AdminAddr); code != http.StatusOK {
		t.Fatalf("readyz before shutdown = %d, want 200", code)
	}
	holdDrain(t, ta.HTTPSAddr)

	ta.cancel()
	waitNotReady(t, ta.AdminAddr)
	resp, err := http.Get("http://" + ta.AdminAddr + "/healthz")
	if err != nil {
		t.Fatalf("healthz during drain: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz during drain: %s, want 200", resp.Status)
	}
}

// TestSecondSignalExitsAtOnce: during a long drain a second SIGINT ends
// the process straight away, as an impatient operator expects.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=60s")
	wantDeathBy(t, secondSignal(t, p, syscall.SIGINT, syscall.SIGINT), syscall.SIGINT, "a second SIGINT")
}

// wantDeathBy checks that a process ended, with err, by sig, after what.
func wantDeathBy(t *testing.T, err error, sig syscall.Signal, after string) {
	t.Helper()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("exit %v after %s; want death by the signal", err, after)
	}
	if st, ok := ee.Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != sig {
		t.Errorf("exit %v after %s; want death by the signal", err, after)
	}
}

// TestSignalDeliveredTwiceDrains: GNU timeout signals the process and
// then its process group, so the server gets SIGTERM twice at once; that
// is one request to stop, and the server drains and exits 0 rather than
// dying by the second as if an operator had pressed Ctrl-C again. Two
// different signals are sent too: the same one twice may merge into one
// in the kernel before the server sees it.
func TestSignalDeliveredTwiceDrains(t *testing.T) {
	t.Parallel()
	for _, second := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(second.String(), func(t *testing.T) {
			t.Parallel()
			p := startProc(t, "TLSECHO_LOG_LEVEL=debug")
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.cmd.Process.Signal(second)
			if err := p.wait(t, ioWait); err != nil {
				t.Fatalf("SIGTERM then %v at once: exit %v, want 0 after the drain", second, err)
			}
			for range p.waitLog(t, "stopped", ioWait) {
			}
		})
	}
}

// TestSecondSignalIgnoredAtStart: a process started with SIGINT ignored,
// as a script's background job is, still drains on the first signal and
// ends at once on a second SIGINT, with the exit code a shell gives a
// process killed by it.
func TestSecondSignalIgnoredAtStart(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to ignore the signal with")
	}
	for _, first := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(first.String(), func(t *testing.T) {
			t.Parallel()
			p := startProcWith(t, func(cmd *exec.Cmd) {
				exe := cmd.Path
				cmd.Path, _ = exec.LookPath("sh")
				cmd.Args = []string{"sh", "-c", `trap '' INT && exec "$0"`, exe}
			}, "TLSECHO_SHUTDOWN_TIMEOUT=60s")
			err := secondSignal(t, p, first, syscall.SIGINT)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGINT) {
				t.Errorf("exit %v after a second SIGINT; want exit status %d", err, 128+int(syscall.SIGINT))
			}
		})
	}
}

// secondSignal holds p's drain open with clients, sends it first, and
// once the drain has begun, second; it returns how p ended, which must be
// at once.
func secondSignal(t *testing.T, p *proc, first, second syscall.Signal) error {
	t.Helper()
	// The drain waits at least two seconds for this client's answer to the
	// close, and as long as the busy one sends.
	holdDrain(t, p.HTTPSAddr)
	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop)

	p.cmd.Process.Signal(first)
	// The server logs once the drain began; a second signal then ends
	// the process. The line is the server's, in its format (JSON here),
	// as the lines about the first signal are.
	for m := range p.waitLog(t, "a second signal ends", ioWait) {
		if _, ok := m["level"]; !ok {
			t.Errorf("the line on a second signal is not in the server's log format: %v", m["msg"])
		}
	}
	start := time.Now()
	p.cmd.Process.Signal(second)
	err := p.wait(t, ioWait)
	// At once, next to the minute the drain could take.
	if took := time.Since(start); took > ioWait/2 {
		t.Errorf("second %v took %v to end the process", second, took)
	}
	return err
}
