package rawtls_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// ExampleServer serves the echo handler with a self-signed certificate and
// talks to it: the client sends a line, says it has finished sending, and
// reads the echo up to the server's close_notify.
func ExampleServer() {
	src, err := certs.NewSelfSigned([]string{"127.0.0.1"})
	if err != nil {
		log.Fatal(err)
	}
	srv := &rawtls.Server{
		Handler:     rawtls.Echo(),
		IdleTimeout: time.Minute,
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	// The listener limits connections and runs the handshakes; the server
	// serves what it accepts.
	l := listener.New(tcp, listener.Options{
		Name:             "tls",
		TLSConfig:        src.TLSConfig(certs.Options{}),
		HandshakeTimeout: 5 * time.Second,
	})
	go srv.Serve(l)
	defer srv.Close()

	// The client trusts exactly the server's certificate.
	roots := x509.NewCertPool()
	roots.AddCert(src.Leaf())
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "hello, echo\n"); err != nil {
		log.Fatal(err)
	}
	// Half-close: the server echoes what it has, then closes.
	if err := conn.CloseWrite(); err != nil {
		log.Fatal(err)
	}
	reply, err := io.ReadAll(conn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(reply))
	// Output: hello, echo
}
