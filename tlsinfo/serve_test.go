package tlsinfo_test

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// serveEach accepts connections on loopback until the test ends, serves
// each in turn with serve, which closes it, and sends what serve returns
// on the channel.
func serveEach[T any](t *testing.T, serve func(c net.Conn) T) (addr string, results <-chan T) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan T, 1)
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			ch <- serve(c)
		}
	}()
	return l.Addr().String(), ch
}

// verifyNoLeaks checks, when the test ends, that it left no goroutine.
func verifyNoLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func serverConfig(t *testing.T) *tls.Config {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{*g.Cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12}
}

// TestRecordHelloMatchesServer: what a client's HelloRecorder keeps of its
// own hello is what a server reading the connection takes for it.
func TestRecordHelloMatchesServer(t *testing.T) {
	verifyNoLeaks(t)
	type read struct {
		hello *tlsinfo.ClientHello
		err   error
	}
	addr, results := serveEach(t, func(c net.Conn) read {
		defer c.Close()
		_, h, err := tlsinfo.ReadClientHello(c)
		return read{h, err}
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := tlsinfo.RecordHello(c)
	tc := tls.Client(rec, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	tc.Handshake() // the server reads the hello and closes
	r := <-results
	if r.err != nil {
		t.Fatal(r.err)
	}
	own, err := rec.Hello()
	if err != nil {
		t.Fatal(err)
	}
	if own.JA4() != r.hello.JA4() || own.JA3() != r.hello.JA3() || r.hello.ServerName != "localhost" {
		t.Errorf("client recorded %s, server read %s (SNI %q)", own.JA4(), r.hello.JA4(), r.hello.ServerName)
	}
}
