package listener_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
)

// ExampleNew makes a TLS listener that records each client's
// ClientHello: Accept hands out connections whose handshake is done, and
// the Conn under each (From) says what the client offered, which
// crypto/tls does not keep.
func ExampleNew() {
	src, err := certs.NewSelfSigned([]string{"localhost"})
	if err != nil {
		log.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	l := listener.New(tcp, listener.Options{
		Name:             "tls",
		TLSConfig:        src.TLSConfig(certs.Options{}),
		HandshakeTimeout: 5 * time.Second,
		MaxConns:         100,
		CaptureHello:     true,
		// Kept past the handshake so the code below can read it; without
		// it the hello is released once the hooks have seen it.
		KeepHello: true,
	})
	defer l.Close()

	// The client trusts exactly the server's certificate, and stays
	// connected until the server side has looked.
	roots := x509.NewCertPool()
	roots.AddCert(src.Leaf())
	dialed := make(chan *tls.Conn, 1)
	go func() {
		c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{
			RootCAs: roots, ServerName: "localhost", NextProtos: []string{"echo"},
		})
		if err != nil {
			log.Print(err)
		}
		dialed <- c
	}()

	nc, err := l.Accept()
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	if c := <-dialed; c != nil {
		defer c.Close()
	}
	c := listener.From(nc)
	fmt.Println("listener:", c.Listener)
	fmt.Println("SNI:", c.Hello.ServerName)
	fmt.Println("ALPN offered:", c.Hello.ALPN())
	fmt.Println("version:", tls.VersionName(nc.(*tls.Conn).ConnectionState().Version))
	// Output:
	// listener: tls
	// SNI: localhost
	// ALPN offered: [echo]
	// version: TLS 1.3
}
