package rawtls_test

import (
	"crypto/x509"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// flakyListener fails its first accepts the way accept(2) does when the
// process is out of descriptors.
type flakyListener struct {
	net.Listener
	failures atomic.Int32
	err      error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", l.err)}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsBackOff: EMFILE, ENFILE and ECONNABORTED from accept do
// not end the server; it waits and accepts again. Any other error does.
func TestAcceptErrorsBackOff(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		t.Run(errno.Error(), func(t *testing.T) {
			gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			fl := &flakyListener{Listener: l, err: errno}
			fl.failures.Store(5)
			srv := &rawtls.Server{TLSConfig: certs.NewStatic(gen.Cert).TLSConfig(certs.Options{})}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(fl) }()
			defer func() {
				srv.Close()
				if err := <-served; !errors.Is(err, rawtls.ErrServerClosed) {
					t.Errorf("Serve = %v, want ErrServerClosed", err)
				}
			}()

			ts := &testServer{addr: l.Addr().String(), pool: x509.NewCertPool()}
			ts.pool.AddCert(gen.Cert.Leaf)
			c := ts.mustDial(t, ts.clientConfig())
			defer c.Close()
			if err := echo(c, []byte("after the storm")); err != nil {
				t.Fatalf("echo after %v: %v", errno, err)
			}
			if n := fl.failures.Load(); n >= 0 {
				t.Fatalf("only %d of 5 accept failures were seen", 5-n)
			}
		})
	}

	t.Run("fatal error ends Serve", func(t *testing.T) {
		gen, _ := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fl := &flakyListener{Listener: l, err: syscall.EINVAL}
		fl.failures.Store(1)
		srv := &rawtls.Server{TLSConfig: certs.NewStatic(gen.Cert).TLSConfig(certs.Options{})}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(fl) }()
		select {
		case err := <-done:
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("Serve = %v, want the EINVAL", err)
			}
		case <-time.After(5 * time.Second):
			srv.Close()
			t.Fatal("Serve kept going after a fatal accept error")
		}
	})
}
