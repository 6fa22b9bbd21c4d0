package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSameCertificateOnBothPorts: one certificate source, so the raw TLS
// port and the HTTPS port present the very same certificate.
func TestSameCertificateOnBothPorts(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	peer := func(addr string, cfg *tls.Config) []byte {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Raw
	}
	cfg := ta.clientTLS()
	raw, https := peer(ta.TLSAddr, cfg), peer(ta.HTTPSAddr, cfg)
	if !bytes.Equal(raw, https) {
		t.Error("the two ports present different certificates")
	}
	if !bytes.Equal(raw, ta.src.Leaf().Raw) {
		t.Error("the raw TLS port does not present the source's certificate")
	}
}

// TestWSSEchoThroughApp drives /ws through the real router and TLS stack,
// verifying the self-signed certificate rather than skipping checks.
func TestWSSEchoThroughApp(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, mt := range []int{websocket.TextMessage, websocket.BinaryMessage} {
		if err := c.WriteMessage(mt, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		gotType, got, err := c.ReadMessage()
		if err != nil || gotType != mt || string(got) != "hello" {
			t.Errorf("echo: type %d %q %v; want type %d", gotType, got, err, mt)
		}
	}
}

// TestOldTLSRefusedOnBothPorts: TLS 1.2 is the floor everywhere, and with
// TLSECHO_TLS_MIN_VERSION=1.3 a TLS 1.2 client is refused too.
func TestOldTLSRefusedOnBothPorts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		minVersion string
		clientMax  uint16
		ok         bool
	}{
		{"tls1.1 refused by default", "1.2", tls.VersionTLS11, false},
		{"tls1.2 accepted by default", "1.2", tls.VersionTLS12, true},
		{"tls1.2 refused at 1.3", "1.3", tls.VersionTLS12, false},
		{"tls1.3 accepted at 1.3", "1.3", tls.VersionTLS13, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := startApp(t, map[string]string{"TLS_MIN_VERSION": tt.minVersion})
			for _, addr := range []string{ta.TLSAddr, ta.HTTPSAddr} {
				cfg := ta.clientTLS()
				cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tt.clientMax
				c, err := tls.Dial("tcp", addr, cfg)
				if err == nil {
					c.Close()
				}
				if (err == nil) != tt.ok {
					t.Errorf("%s: handshake err = %v, want ok=%v", addr, err, tt.ok)
				}
			}
		})
	}
}

// TestPlainHTTPOnHTTPSPort gets a readable 400 instead of a hang, and the
// server keeps serving.
func TestPlainHTTPOnHTTPSPort(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	c, err := net.DialTimeout("tcp", ta.HTTPSAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	reply, _ := io.ReadAll(c)
	if !strings.Contains(string(reply), "400") {
		t.Errorf("plain HTTP on the HTTPS port got %q, want a 400", reply)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	resp, err := client.Get("https://" + ta.HTTPSAddr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after plain HTTP: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestHTTPSMaxConns: TLSECHO_MAX_CONNS applies to the HTTPS listener too;
// the excess is closed at once and the others keep working.
func TestHTTPSMaxConns(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_CONNS": "3"})
	var open []*websocket.Conn
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	for range 3 {
		c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		open = append(open, c)
	}
	start := time.Now()
	d.HandshakeTimeout = ioWait
	if c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil); err == nil {
		c.Close()
		t.Fatal("a fourth connection was served with MAX_CONNS=3")
	}
	// A listener that stopped accepting at the limit would leave the
	// client hanging until its ioWait handshake timeout; half of that
	// leaves a loaded machine room and still tells the two apart.
	if took := time.Since(start); took > ioWait/2 {
		t.Errorf("refusal took %v, want at once", took)
	}
	for i, c := range open {
		if err := c.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "still here" {
			t.Errorf("conn %d after refusal: %q %v", i, msg, err)
		}
	}
}

// TestHandshakeTimeoutOnBothPorts: a client that opens TCP and says
// nothing is dropped after TLSECHO_HANDSHAKE_TIMEOUT on either port (the
// HTTPS one through net/http's ReadHeaderTimeout, which bounds its TLS
// handshake too).
func TestHandshakeTimeoutOnBothPorts(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": "300ms"})
	for name, addr := range map[string]string{"raw TLS": ta.TLSAddr, "HTTPS": ta.HTTPSAddr} {
		t.Run(name, func(t *testing.T) {
			// The clock starts before the server's, which starts at accept:
			// a drop before 300ms is a bug, not a scheduling accident.
			start := time.Now()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(ioWait))
			_, err = c.Read(make([]byte, 1))
			took := time.Since(start)
			if err == nil {
				t.Fatal("the server sent something to a client that never spoke")
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("not dropped within %v", ioWait)
			}
			// The upper bound tells the setting from the 10s default, with
			// seconds of room for a loaded machine.
			if took < 300*time.Millisecond || took > 5*time.Second {
				t.Errorf("dropped after %v (%v), want about 300ms", took, err)
			}
		})
	}
}

// TestAdminMaxConns: the admin listener keeps TLSECHO_MAX_CONNS too.
func TestAdminMaxConns(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_CONNS": "2"})
	// Both served, each answers and stays: a limit this small keeps no
	// room for probes (adminRoom), so the second does not close the
	// first, idle, to make some.
	var served []*bufio.Reader
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ta.AdminAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ioWait))
		br := bufio.NewReader(c)
		adminHealthz(t, c, br)
		served, conns = append(served, br), append(conns, c)
	}
	// The server accepts in the order the connections arrived, so this
	// third one is the one over the limit.
	extra, err := net.Dial("tcp", ta.AdminAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	// A served connection answers a request; a refused one is closed
	// without a word. (An idle served one is closed too, after the admin
	// header timeout: the request is what tells the two apart.) Writing
	// may already fail on a refused connection.
	extra.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n")
	got, err := io.ReadAll(extra)
	if len(got) > 0 || (err != nil && !strings.Contains(err.Error(), "reset")) {
		t.Errorf("third admin connection: read %q, %v; want it closed unanswered", got, err)
	}
	for i, br := range served {
		adminHealthz(t, conns[i], br)
	}
}

// adminHealthz asks for /healthz on c, a kept connection to the admin
// port read through br, and wants 200.
func adminHealthz(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n"); err != nil {
		t.Fatalf("served admin connection: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("served admin connection: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("served admin connection: status %d, want 200", resp.StatusCode)
	}
}
