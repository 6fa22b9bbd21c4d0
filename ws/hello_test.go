package ws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/listener"
)

// TestUpgradeReleasesHello: behind a listener that keeps each ClientHello
// for its HTTP handlers, the upgrade releases it, since no handler runs on
// the connection any more to show it.
func TestUpgradeReleasesHello(t *testing.T) {
	gen, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan *listener.Conn, 1)
	l := listener.New(inner, listener.Options{
		Name:         "https",
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{*gen.Cert}},
		CaptureHello: true,
		KeepHello:    true,
		Hooks: &listener.Hooks{Handshake: func(c *listener.Conn, h listener.Handshake) {
			if h.Err == nil {
				conns <- c
			}
		}},
	})
	// Read in the connection's own goroutines: before the upgrade by the
	// request's handler, after it by the WebSocket's, which Opened runs on.
	before, after := make(chan bool, 1), make(chan bool, 1)
	var lc *listener.Conn
	s := &Server{Hooks: &Hooks{Opened: func(*Conn) { after <- lc.Hello != nil }}}
	hs := &http.Server{
		ConnContext: listener.ConnContext,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lc = listener.FromContext(r.Context())
			before <- lc != nil && lc.Hello != nil
			s.ServeHTTP(w, r)
		}),
	}
	go hs.Serve(l)
	t.Cleanup(func() {
		s.Shutdown(context.Background())
		hs.Close()
	})

	pool := x509.NewCertPool()
	pool.AddCert(gen.Cert.Leaf)
	d := &websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}, HandshakeTimeout: ioWait}
	c, _, err := d.Dial("wss://"+l.Addr().String()+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-conns
	if !<-before {
		t.Fatal("the request's handler saw no ClientHello; want the one KeepHello kept")
	}
	if <-after {
		t.Error("the upgraded connection still holds its ClientHello")
	}
	if mt, got := echo(t, c, websocket.BinaryMessage, []byte("hi")); mt != websocket.BinaryMessage || string(got) != "hi" {
		t.Errorf("echo: %d %q", mt, got)
	}
}
