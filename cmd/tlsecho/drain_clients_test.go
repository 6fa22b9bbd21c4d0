package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// pageConn is a keep-alive HTTP/1.1 connection to a page port, read and
// written by hand so a test sees every header and the close itself.
type pageConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialPage(t testing.TB, addr string, useTLS bool) *pageConn {
	t.Helper()
	d := &net.Dialer{Timeout: ioWait}
	var c net.Conn
	var err error
	if useTLS {
		c, err = tls.DialWithDialer(d, "tcp", addr, insecureTLS)
	} else {
		c, err = d.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &pageConn{conn: c, br: bufio.NewReader(c)}
}

// get sends GET path on the connection and reads the whole answer.
func (p *pageConn) get(t testing.TB, path string) *http.Response {
	t.Helper()
	p.conn.SetDeadline(time.Now().Add(ioWait))
	if _, err := io.WriteString(p.conn, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("GET %s: body: %v", path, err)
	}
	resp.Body.Close()
	return resp
}

// closed waits for the server to end the connection cleanly: EOF, which
// on TLS means a close_notify came first.
func (p *pageConn) closed(t testing.TB, who string) {
	t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(ioWait))
	if n, err := p.br.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("%s: %d bytes, %v; want the server's clean close (EOF)", who, n, err)
	}
}

// TestDrainEveryClient sends SIGTERM to a real process with a drain
// delay while clients are open on every listener (wss and ws://, on the
// plain HTTP listener, alike), and more arrive during the delay: each is
// served through the delay and ends with a proper close (close_notify,
// 1001, Connection: close), and the process exits 0 within the shutdown
// timeout.
func TestDrainEveryClient(t *testing.T) {
	t.Parallel()
	const delay, timeout = 2 * time.Second, 8 * time.Second
	p := startProc(t, "TLSECHO_DRAIN_DELAY="+delay.String(), "TLSECHO_SHUTDOWN_TIMEOUT="+timeout.String(), "TLSECHO_HTTP_ADDR=127.0.0.1:0")

	// Open before the signal: a raw TLS client in the middle of its
	// echoes, a wss client in the middle of a message, keep-alive page
	// connections on both page ports, an admin scraper.
	raw := newTalker(t, p.TLSAddr)
	if err := raw.roundTrip(); err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: ioWait, WriteBufferSize: 1024}
	wsc, _, err := d.Dial("wss://"+p.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wsc.Close()
	wsc.SetWriteDeadline(time.Now().Add(ioWait))
	mw, err := wsc.NextWriter(websocket.BinaryMessage)
	if err != nil {
		t.Fatal(err)
	}
	// More than the write buffer: the first fragment goes out now, the
	// message stays open.
	if _, err := mw.Write(make([]byte, 3000)); err != nil {
		t.Fatal(err)
	}
	// And a ws client on the plain HTTP listener, idle between
	// messages, as behind a proxy that ends TLS.
	pwsc, _, err := d.Dial("ws://"+p.HTTPAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pwsc.Close()
	page := dialPage(t, p.HTTPSAddr, true)
	plain := dialPage(t, p.HTTPAddr, false)
	admin := dialPage(t, p.AdminAddr, false)
	for _, c := range []*pageConn{page, plain} {
		if r := c.get(t, "/healthz"); r.StatusCode != http.StatusOK || r.Close {
			t.Fatalf("page before the signal: %s, close %v", r.Status, r.Close)
		}
	}
	if r := admin.get(t, "/metrics"); r.StatusCode != http.StatusOK {
		t.Fatalf("scrape before the signal: %s", r.Status)
	}

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range p.waitLog(t, "not ready; serving new connections until the drain", ioWait) {
	}
	// During the delay: not ready, yet everything is served, new
	// connections too; keep-alive answers ask the client to close, so
	// its next request goes through the balancer to a copy that stays.
	if r := admin.get(t, "/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the delay: %s, want 503", r.Status)
	}
	if r := admin.get(t, "/metrics"); r.StatusCode != http.StatusOK {
		t.Errorf("scrape during the delay: %s", r.Status)
	}
	if err := raw.roundTrip(); err != nil {
		t.Fatalf("raw TLS during the delay: %v", err)
	}
	pwsc.SetWriteDeadline(time.Now().Add(ioWait))
	pwsc.SetReadDeadline(time.Now().Add(ioWait))
	if err := pwsc.WriteMessage(websocket.TextMessage, []byte("during the delay")); err != nil {
		t.Fatalf("ws client during the delay: %v", err)
	}
	if _, msg, err := pwsc.ReadMessage(); err != nil || string(msg) != "during the delay" {
		t.Fatalf("ws client during the delay: %q, %v", msg, err)
	}
	freshWS, _, err := d.Dial("ws://"+p.HTTPAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("new ws client during the delay: %v", err)
	}
	defer freshWS.Close()
	fresh := newTalker(t, p.TLSAddr)
	if err := fresh.roundTrip(); err != nil {
		t.Fatalf("new raw TLS client during the delay: %v", err)
	}
	for name, c := range map[string]*pageConn{"https": page, "http": plain} {
		r := c.get(t, "/healthz")
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s page during the delay: %s", name, r.Status)
		}
		if !r.Close {
			t.Errorf("%s page during the delay: answered without Connection: close; the client would keep sending to a copy on its way out", name)
		} else {
			c.closed(t, name+" page after its Connection: close answer")
		}
	}
	if took := time.Since(signalled); took >= delay {
		t.Fatalf("the checks took %v, longer than the %v delay; they prove nothing", took, delay)
	}

	// Then the drain.
	for range p.waitLog(t, "drain delay over", ioWait) {
	}
	// A client that comes after the delay is refused on every client
	// listener (each closes on its own goroutine).
	for _, addr := range []string{p.TLSAddr, p.HTTPSAddr, p.HTTPAddr} {
		waitRefused(t, addr)
	}
	if _, err := mw.Write(make([]byte, 10)); err == nil {
		mw.Close()
	}
	wsc.SetReadDeadline(time.Now().Add(ioWait))
	if _, _, err := wsc.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("wss client mid-message: %v, want close 1001", err)
	}
	for name, c := range map[string]*websocket.Conn{"ws client": pwsc, "ws client from the delay": freshWS} {
		c.SetReadDeadline(time.Now().Add(ioWait))
		if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("%s on the plain HTTP listener: %v, want close 1001", name, err)
		}
	}
	if err := raw.roundTrip(); !raw.endedQuietly(t, "raw TLS client", err, signalled) {
		raw.conn.SetReadDeadline(time.Now().Add(ioWait))
		if n, err := raw.conn.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("raw TLS client in the drain: %d bytes, %v; want close_notify", n, err)
		}
	}
	fresh.conn.SetReadDeadline(time.Now().Add(ioWait))
	if n, err := fresh.conn.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("idle raw TLS client from the delay: %d bytes, %v; want close_notify", n, err)
	}
	admin.closed(t, "admin keep-alive connection")

	if err := p.wait(t, timeout+ioWait); err != nil {
		t.Errorf("exit: %v, want 0", err)
	}
	if took := time.Since(signalled); took > timeout {
		t.Errorf("exit %v after SIGTERM, past the %v shutdown timeout", took, timeout)
	}
	// The last line counts the delay in, as a grace period must.
	for m := range p.waitLog(t, "stopped", ioWait) {
		took, _ := m["took"].(float64)
		drain, ok := m["drain"].(float64)
		if time.Duration(took) < delay || !ok || drain >= took {
			t.Errorf("stopped took %v, drain %v; want the %v delay in took, and the drain after it", time.Duration(took), time.Duration(drain), delay)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.log {
		if msg, _ := m["msg"].(string); strings.Contains(msg, "drain cut short") {
			t.Errorf("the drain was cut short: %v", m)
		}
	}
}
