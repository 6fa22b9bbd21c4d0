package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// hostileName is a certificate name that would retitle a terminal, color
// it and forge a line of the report if printed as it is.
const hostileName = "evil\x1b]0;PWNED\a\x1b[31m\r\nFAKE-LINE verified yes\u202e"

// hostileCert is a self-signed certificate for localhost whose subject
// and one SAN carry hostileName.
func hostileCert(t *testing.T) tls.Certificate {
	t.Helper()
	der, key := selfSigned(t, &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: hostileName, Organization: []string{"\u009b2J"}},
		DNSNames:     []string{"localhost", "san\x1b[32mGREEN\r"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveTLS runs a TLS listener with cert whose connections serve runs.
func serveTLS(t *testing.T, cert tls.Certificate, protos []string, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveTLSOn(t, ln, cert, protos, serve)
}

// serveTLSOn is serveTLS on a listener of the caller's.
func serveTLSOn(t *testing.T, tcp net.Listener, cert tls.Certificate, protos []string, serve func(net.Conn)) string {
	t.Helper()
	ln := tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos})
	acceptLoop(t, ln, func(c net.Conn) {
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioWait))
			serve(c)
		}()
	})
	return ln.Addr().String()
}

// rawControl reports the first control character in s other than a line
// end, or -1.
func rawControl(s string) int {
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e'
	})
}

// TestClientEscapesServerText: names in a hostile server's certificate
// reach neither the report nor the one-line error raw: control characters
// are written as escapes, so they cannot act on the terminal or forge a
// line.
func TestClientEscapesServerText(t *testing.T) {
	t.Parallel()
	addr := serveTLS(t, hostileCert(t), nil, func(c net.Conn) { io.Copy(c, c) })

	r := runClient(t, "", "-insecure", "-timeout", "5s", "tls://"+addr, "hi")
	r.want(t, exitOK, []string{`CN=evil\x1b]0\;PWNED\a\x1b[31m\r\nFAKE-LINE verified yes\u202e,O=\u009b2J`, `san\x1b[32mGREEN\r`}, nil)
	if i := rawControl(r.stdout); i >= 0 {
		t.Errorf("report has a raw control character at %d: %q", i, r.stdout[max(0, i-20):min(len(r.stdout), i+20)])
	}

	r = runClient(t, "", "-timeout", "5s", "tls://"+addr, "hi")
	r.want(t, exitFailure, nil, []string{`certificate is valid for localhost, san\x1b[32mGREEN\r, not 127.0.0.1`})
	if i := rawControl(r.stderr); i >= 0 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("error is not one clean line: %q", r.stderr)
	}
}

// TestClientBoundsHostileWSServer: a wss server that echoes a message
// with a megabyte more, or answers the upgrade with endless headers, gets
// a short error, read no further than needed.
func TestClientBoundsHostileWSServer(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	up := websocket.Upgrader{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		mt, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		ws.WriteMessage(mt, append(msg, make([]byte, 1<<20)...))
		ws.ReadMessage()
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	longer := srv.Listener.Addr().String()
	r := runClient(t, "", "-insecure", "-timeout", "5s", "wss://"+longer+"/ws", "hello")
	r.want(t, exitFailure, nil, []string{"differs", `sent "hello", got "hello\x00"`})
	if len(r.stderr) > 1024 {
		t.Errorf("error of %d bytes for a wrong echo", len(r.stderr))
	}

	endless := serveTLS(t, cert, []string{"http/1.1"}, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nX-Endless: ")
		line := strings.Repeat("a", 4096)
		for {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	})
	r = runClient(t, "", "-insecure", "-timeout", "5s", "wss://"+endless+"/ws", "hello")
	r.want(t, exitFailure, nil, []string{"over 64 KiB"})
}

// TestEchoDiff: a wrong echo of a long message is told by its lengths and
// the bytes around the first difference, not in full.
func TestEchoDiff(t *testing.T) {
	sent := []byte(strings.Repeat("a", 100))
	got := []byte(strings.Repeat("a", 50) + "b" + strings.Repeat("a", 49))
	want := `sent 100 bytes, got 100; first difference at byte 50: sent "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", got "aaaaaaaabaaaaaaaaaaaaaaaaaaaaaaa" (from byte 42)`
	if d := echoDiff(sent, got); d != want {
		t.Errorf("echoDiff = %s\nwant        %s", d, want)
	}
	if d := echoDiff(sent, append(sent[:100:100], 'x')); !strings.Contains(d, "got more; first difference at byte 100") {
		t.Errorf("echoDiff of a longer echo = %s", d)
	}
}

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain, ünïcode":  "plain, ünïcode",
		"a\xffb":          `a\xffb`,
		"tab\there":       `tab\there`,
		"bell\a\x1b[2J":   `bell\a\x1b[2J`,
		"\u009b31m\u202e": `\u009b31m\u202e`,
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestClientServerStallsAfterHello: a server that answers the ClientHello
// and then stalls is told apart from one that never answers: here a relay
// passes the real server's first record (its ServerHello) and nothing
// more.
func TestClientServerStallsAfterHello(t *testing.T) {
	t.Parallel()
	target := serveTLS(t, hostileCert(t), nil, func(c net.Conn) { io.Copy(c, c) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		go io.Copy(up, c)
		var hdr [5]byte
		if _, err := io.ReadFull(up, hdr[:]); err != nil {
			return
		}
		body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
		if _, err := io.ReadFull(up, body); err != nil {
			return
		}
		c.Write(append(hdr[:], body...))
		io.Copy(io.Discard, c) // until the client gives up
	}()
	r := runClient(t, "", "-insecure", "-timeout", "1s", "tls://"+ln.Addr().String(), "hi")
	r.want(t, exitFailure, nil, []string{"the server answered the ClientHello, then stalled"})
}

// serveWS runs a wss server with cert whose upgraded connections serve
// runs, and returns its /ws URL.
func serveWS(t *testing.T, cert tls.Certificate, serve func(*websocket.Conn)) string {
	t.Helper()
	var up websocket.Upgrader
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(ioWait))
		serve(ws)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "wss://" + srv.Listener.Addr().String() + "/ws"
}

// TestClientEmptyCloseAnswer: RFC 6455 section 5.5.1 lets an endpoint
// answer a close frame with one that has no body (status 1005, "no status
// received"), and some servers do. That answers the client's close 1000:
// the session ended cleanly, whatever the mode.
func TestClientEmptyCloseAnswer(t *testing.T) {
	t.Parallel()
	u := serveWS(t, hostileCert(t), func(ws *websocket.Conn) {
		ws.SetCloseHandler(func(int, string) error {
			return ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(ioWait))
		})
		for {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteMessage(mt, msg)
		}
	})
	r := runClient(t, "one\ntwo\n", "-insecure", "-timeout", "5s", u)
	r.want(t, exitOK, []string{"one\ntwo\n"}, nil)
	r = runClient(t, "", "-insecure", "-timeout", "5s", u, "hi")
	r.want(t, exitOK, []string{"close         answered without a status code (1005)"}, nil)
	if strings.Contains(r.stdout, "1005, sent by the server") {
		t.Error("the answer to the client's close is reported as the server's own close")
	}
}

// TestClientStdinShortEcho: with lines from standard input, a server that
// ends the session cleanly before all of them came back (close_notify on
// tls://, an answered close on wss://) fails the run: exit 0 means every
// echo came back.
func TestClientStdinShortEcho(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	// Reads to the end of input, then echoes only its first line and
	// closes with close_notify.
	raw := serveTLS(t, cert, nil, func(c net.Conn) {
		all, err := io.ReadAll(c)
		if err != nil {
			return
		}
		first, _, _ := strings.Cut(string(all), "\n")
		io.WriteString(c, first+"\n")
	})
	// Echoes the first message only, then answers the close.
	ws := serveWS(t, cert, func(ws *websocket.Conn) {
		for i := 0; ; i++ {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if i == 0 {
				ws.WriteMessage(mt, msg)
			}
		}
	})
	tests := []struct {
		name, url, want string
	}{
		{"tls", "tls://" + raw, "closed the connection after echoing 4 of 12 bytes"},
		{"wss", ws, "closed the WebSocket after echoing 1 of 3 messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, "one\ntwo\nsix\n", "-insecure", "-timeout", "5s", tt.url)
			r.want(t, exitFailure, nil, []string{tt.want})
		})
	}
}

// TestClientLongChain: a server that sends a chain of 40 certificates
// (crypto/tls takes up to 256 KiB of them) gets the first ten printed and
// the rest counted, so the report stays readable; the echo still runs.
func TestClientLongChain(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	for i := range 39 {
		der, _ := selfSigned(t, &x509.Certificate{
			SerialNumber: big.NewInt(int64(100 + i)),
			Subject:      pkix.Name{CommonName: fmt.Sprintf("padding %d", i)},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
		})
		cert.Certificate = append(cert.Certificate, der)
	}
	addr := serveTLS(t, cert, nil, func(c net.Conn) { io.Copy(c, c) })
	r := runClient(t, "", "-insecure", "-timeout", "5s", "tls://"+addr, "hi")
	r.want(t, exitOK, []string{"certificate chain (40 certificates, as sent by the server)", "  9 subject       CN=padding 8",
		"    not shown     30 more certificates: ", "echo          hi"}, nil)
	if strings.Contains(r.stdout, "CN=padding 9") {
		t.Error("the 11th certificate is printed")
	}
}

// TestClientManyNames: a certificate with 500 names gets its first 20
// listed and the rest counted, in the report and in the one-line error,
// so neither floods the terminal.
func TestClientManyNames(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 500 {
		names = append(names, fmt.Sprintf("name%d.example", i))
	}
	der, key := selfSigned(t, &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "many names"},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	})
	addr := serveTLS(t, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil, func(c net.Conn) { io.Copy(c, c) })
	r := runClient(t, "", "-timeout", "5s", "tls://"+addr, "hi")
	r.want(t, exitFailure, []string{"DNS:name18.example, DNS:name19.example, and 480 more\n"},
		[]string{"certificate is valid for name0.example, ", "name19.example, and 480 more, not 127.0.0.1"})
	if len(r.stdout) > 4096 || len(r.stderr) > 1024 {
		t.Errorf("%d bytes of report and %d of error for one certificate", len(r.stdout), len(r.stderr))
	}
}

// TestClientChainTooLarge: a chain over the 256 KiB crypto/tls accepts
// fails the handshake, and the client says that in words.
func TestClientChainTooLarge(t *testing.T) {
	t.Parallel()
	cert := hostileCert(t)
	pad, _ := selfSigned(t, &x509.Certificate{
		SerialNumber: big.NewInt(4),
		Subject:      pkix.Name{CommonName: strings.Repeat("padding", 100)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	})
	for len(cert.Certificate)*len(pad) < 300<<10 {
		cert.Certificate = append(cert.Certificate, pad)
	}
	addr := serveTLS(t, cert, nil, func(c net.Conn) { io.Copy(c, c) })
	r := runClient(t, "", "-insecure", "-timeout", "5s", "tls://"+addr, "hi")
	r.want(t, exitFailure, nil, []string{addr + " sent a certificate chain of ", " bytes, over the 256 KiB this client accepts"})
}
