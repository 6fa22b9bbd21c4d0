package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
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

// TestSIGTERM sends the real signal to a real process: WebSocket clients
// get 1001, a raw TLS client still sending gets every byte back and then
// close_notify, an idle one is closed at once, and the process exits 0.
func TestSIGTERM(t *testing.T) {
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=10s")

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

	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	sending := make(chan struct{})
	go func() { busy.send(stop); close(sending) }()
	time.Sleep(100 * time.Millisecond)

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Keep sending through the start of the drain, then fall quiet.
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-sending

	// The idle client is closed at once, with close_notify.
	idle.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := idle.Read(one); !errors.Is(err, io.EOF) {
		t.Errorf("idle raw TLS client: read err = %v, want io.EOF (close_notify)", err)
	}
	wc.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, _, err = wc.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("ws client: %v, want close 1001", err)
	}

	select {
	case <-busy.readDone:
	case <-time.After(5 * time.Second):
		t.Fatal("busy raw TLS client was not closed after falling quiet")
	}
	if !errors.Is(busy.readErr, nil) {
		t.Errorf("busy client read ended with %v, want clean close_notify", busy.readErr)
	}
	if busy.sent.Len() == 0 || !bytes.Equal(busy.got.Bytes(), busy.sent.Bytes()) {
		t.Errorf("busy client sent %d bytes, got %d back (equal: %v)", busy.sent.Len(), busy.got.Len(), bytes.Equal(busy.got.Bytes(), busy.sent.Bytes()))
	}

	if err := p.wait(t, 10*time.Second); err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	if took := time.Since(signalled); took > 5*time.Second {
		t.Errorf("shutdown took %v", took)
	}
}

// TestSIGTERMUncooperative: clients that neither answer the close nor stop
// sending cannot keep the process past TLSECHO_SHUTDOWN_TIMEOUT.
func TestSIGTERMUncooperative(t *testing.T) {
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=2s")

	// A WebSocket client that never reads, so never answers the close.
	wc := dialWS(t, p.HTTPSAddr)
	defer wc.Close()
	// A raw TLS client that never stops sending.
	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop)
	// A client stuck before its handshake.
	stuck, err := net.Dial("tcp", p.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	time.Sleep(100 * time.Millisecond)

	signalled := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, 6*time.Second); err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	if took := time.Since(signalled); took > 2*time.Second+500*time.Millisecond {
		t.Errorf("exit %v after SIGTERM, want within the 2s shutdown timeout", took)
	}
}

// TestReadyzDuringDrain: /readyz turns 503 as soon as shutdown starts,
// while connections still drain, so a load balancer stops sending.
func TestReadyzDuringDrain(t *testing.T) {
	ta := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "5s"})
	get := func() int {
		resp, err := http.Get("http://" + ta.AdminAddr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("readyz before shutdown = %d, want 200", code)
	}
	busy := newStreamer(t, ta.TLSAddr)
	stop := make(chan struct{})
	go busy.send(stop)
	defer close(stop)
	time.Sleep(50 * time.Millisecond)

	ta.cancel()
	deadline := time.Now().Add(2 * time.Second)
	for get() != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("readyz never turned 503 during the drain")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + ta.AdminAddr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz during drain: %v %v", resp, err)
	}
}

// TestSecondSignalExitsAtOnce: during a long drain a second SIGINT ends
// the process straight away, as an impatient operator expects.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=30s")
	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop) // never quiet: the drain would last the full 30s

	p.cmd.Process.Signal(syscall.SIGINT)
	for range p.waitLog(t, "shutting down", 5*time.Second) {
	}
	// The default action comes back a moment after the first signal; an
	// operator presses again, and so does the test, until the process ends.
	start := time.Now()
	for {
		p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-p.exited:
			if err == nil {
				t.Error("exit 0 after a second SIGINT; want the signal's non-zero status")
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("second SIGINT took %v to end the process", took)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the process kept draining through repeated SIGINTs")
		}
	}
}
