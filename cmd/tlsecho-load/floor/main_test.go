package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
)

// TestMain checks that nothing the tests started is left running once
// they are done: the floor's goroutines end with their connections.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startFloor serves the floor on loopback and returns its two addresses
// and a client configuration that trusts it.
func startFloor(t *testing.T) (raw, https string, client *tls.Config) {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{*g.Cert}}
	rl, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	hl, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rl.Close(); hl.Close() })
	go serve(rl, hl)
	roots := x509.NewCertPool()
	roots.AddCert(g.Cert.Leaf)
	return rl.Addr().String(), hl.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}

// dialWS opens /ws with a client whose write buffer is writeBuf bytes:
// gorilla sends a message that fits it as one frame, a larger one in
// fragments of that size.
func dialWS(t *testing.T, addr string, client *tls.Config, writeBuf int) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: client, HandshakeTimeout: 10 * time.Second, WriteBufferSize: writeBuf}
	c, _, err := d.Dial("wss://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	return c
}

// TestEcho: the floor echoes on both ports, every payload length form
// (7, 16 and 64 bits), whole and fragmented messages, text and binary,
// so that comparing it measures echoes, not errors.
func TestEcho(t *testing.T) {
	raw, https, client := startFloor(t)

	rc, err := tls.Dial("tcp", raw, client)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	rc.SetDeadline(time.Now().Add(10 * time.Second))
	rc.Write([]byte("hello"))
	rc.CloseWrite()
	if got, err := io.ReadAll(rc); string(got) != "hello" || err != nil {
		t.Errorf("raw echo %q, %v; want hello and close_notify", got, err)
	}

	for _, frames := range []struct {
		name     string
		writeBuf int
	}{{"whole", 1 << 17}, {"fragmented", 4096}} {
		c := dialWS(t, https, client, frames.writeBuf)
		for _, size := range []int{0, 1, 125, 126, 4096, 65535, 65536, 100_000} {
			if frames.name == "whole" && size > 65536 {
				continue // over the buffer in one frame: TestRefusals
			}
			for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
				msg := bytes.Repeat([]byte("abcdefghij"), size/10+1)[:size]
				if err := c.WriteMessage(typ, msg); err != nil {
					t.Fatal(err)
				}
				got, echoed, err := c.ReadMessage()
				if err != nil || got != typ || !bytes.Equal(echoed, msg) {
					t.Fatalf("%s, %d bytes of type %d: type %d, %d bytes (equal: %v), %v",
						frames.name, size, typ, got, len(echoed), bytes.Equal(echoed, msg), err)
				}
			}
		}
	}
}

// TestPingAndClose: a ping is answered with a pong before the echo of the
// message after it, and a close with the same close.
func TestPingAndClose(t *testing.T) {
	_, https, client := startFloor(t)
	c := dialWS(t, https, client, 4096)
	pong := make(chan string, 1)
	c.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	c.WriteMessage(websocket.BinaryMessage, []byte("after"))
	if _, msg, err := c.ReadMessage(); string(msg) != "after" || err != nil {
		t.Fatalf("echo %q, %v", msg, err)
	}
	select {
	case p := <-pong:
		if p != "p1" {
			t.Errorf("pong %q, want p1", p)
		}
	default:
		t.Error("no pong before the echo of the message after the ping")
	}
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(10*time.Second))
	expectClose(t, c, websocket.CloseNormalClosure)
}

// TestRefusals: a frame larger than the buffer gets 1009, an unmasked
// frame 1002, each after the echo of the message before it.
func TestRefusals(t *testing.T) {
	_, https, client := startFloor(t)
	for _, tc := range []struct {
		name  string
		frame []byte
		code  int
	}{
		{"too large", append([]byte{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4}, make([]byte, bufferSize)...), websocket.CloseMessageTooBig},
		{"unmasked", []byte{0x82, 1, 'x'}, websocket.CloseProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialWS(t, https, client, 4096)
			c.WriteMessage(websocket.TextMessage, []byte("before"))
			if _, err := c.UnderlyingConn().Write(tc.frame); err != nil {
				t.Fatal(err)
			}
			if _, msg, err := c.ReadMessage(); string(msg) != "before" || err != nil {
				t.Fatalf("echo %q, %v", msg, err)
			}
			expectClose(t, c, tc.code)
		})
	}
}

// expectClose reads c's next frame, which must be a close with code.
func expectClose(t *testing.T, c *websocket.Conn, code int) {
	t.Helper()
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("got %v, want close %d", err, code)
	}
}
