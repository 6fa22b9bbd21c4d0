package certs_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tlsecho/tlsecho/certs"
)

// Names and IP addresses land in the subject alternative name fields that
// clients check.
func ExampleGenerate() {
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1", "::1"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("DNS:", g.Cert.Leaf.DNSNames)
	fmt.Println("IP:", g.Cert.Leaf.IPAddresses)
	// Output:
	// DNS: [localhost]
	// IP: [127.0.0.1 ::1]
}

// A name is checked before it goes into a certificate: a host:port or a
// name with the root's dot would match nothing a client asks for, and the
// refusal says what to write instead when there is one mend.
func ExampleCheckHost() {
	for _, h := range []string{"echo.test", "[::1]", "localhost:8443", "echo.test."} {
		if err := certs.CheckHost(h); err != nil {
			fmt.Println("refused:", err)
			continue
		}
		fmt.Println("taken:", h)
	}
	// Output:
	// taken: echo.test
	// taken: [::1]
	// refused: "localhost:8443" is not a host name or IP address (no scheme, port or path)
	// refused: "echo.test." ends with a dot; clients check the name without it: write "echo.test"
}

// A local CA issues a leaf that clients verify with only the CA as root,
// the way `tlsecho cert -ca` works.
func ExampleGenerate_localCA() {
	ca, err := certs.Generate(certs.GenerateOptions{IsCA: true})
	if err != nil {
		panic(err)
	}
	leaf, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}, Parent: ca.Cert})
	if err != nil {
		panic(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert.Leaf)
	_, err = leaf.Cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"})
	fmt.Println("issuer:", leaf.Cert.Leaf.Issuer.CommonName)
	fmt.Println("verified:", err == nil)
	// Output:
	// issuer: tlsecho local CA
	// verified: true
}

// A server built on a file-backed Source picks up a renewed pair on its
// own and on SIGHUP; both listeners serve it to new handshakes.
func ExampleSource_Watch() {
	src, err := certs.LoadFiles("/etc/tlsecho/cert.pem", "/etc/tlsecho/key.pem")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	log := slog.Default()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			src.ReloadAndLog(log, "SIGHUP")
		}
	}()
	go src.Watch(ctx, log)

	_ = src.TLSConfig(certs.Options{}) // give it to tls.Listen or http.Server
	<-ctx.Done()
}
