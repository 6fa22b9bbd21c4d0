//go:build unix

package rawtls

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
)

// serveDial serves srv on a loopback listener.Listener with a fresh
// certificate, as the command does, and returns a client connected to
// it, with a deadline of within for the whole test. The client and the
// server are closed when the test ends.
func serveDial(t *testing.T, srv *Server, within time.Duration) *tls.Conn {
	t.Helper()
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := listener.New(tcp, listener.Options{Name: "tls", TLSConfig: certs.NewStatic(gen.Cert).TLSConfig(certs.Options{})})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	roots := x509.NewCertPool()
	roots.AddCert(gen.Cert.Leaf)
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(within))
	return c
}
