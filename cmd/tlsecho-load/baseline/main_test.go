package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// TestEcho checks that the baseline echoes on both ports, so that the
// comparison measures echoes, not errors.
func TestEcho(t *testing.T) {
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{*g.Cert}}
	raw, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	https, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	defer https.Close()
	go serve(raw, https)
	roots := x509.NewCertPool()
	roots.AddCert(g.Cert.Leaf)
	client := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}

	c, err := tls.Dial("tcp", raw.Addr().String(), client)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("hello"))
	c.CloseWrite()
	if got, err := io.ReadAll(c); string(got) != "hello" || err != nil {
		t.Errorf("raw echo %q, %v; want hello and close_notify", got, err)
	}

	d := websocket.Dialer{TLSClientConfig: client, HandshakeTimeout: 10 * time.Second}
	wc, _, err := d.Dial("wss://"+https.Addr().String()+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	wc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
		wc.WriteMessage(typ, []byte("hello"))
		if got, msg, err := wc.ReadMessage(); got != typ || string(msg) != "hello" || err != nil {
			t.Errorf("wss echo of type %d: type %d, %q, %v", typ, got, msg, err)
		}
	}
}
