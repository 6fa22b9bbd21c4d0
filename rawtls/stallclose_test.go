package rawtls_test

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/stall"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// stallSocket is an accepted socket whose writes a test can make stall
// (see package stall), as they do to a client whose receive window and
// the server's send buffer are full. It keeps the TCP socket's CloseWrite
// and SyscallConn, which the listener uses.
type stallSocket struct {
	*stall.Conn
	tcp *net.TCPConn
}

func (s *stallSocket) stall()                  { s.Stall() }
func (s *stallSocket) closed() <-chan struct{} { return s.Closed() }

// CloseWrite shuts the socket's write side.
func (s *stallSocket) CloseWrite() error { return s.tcp.CloseWrite() }

// SyscallConn gives the socket's descriptor.
func (s *stallSocket) SyscallConn() (syscall.RawConn, error) { return s.tcp.SyscallConn() }

// stallListener hands out its sockets as stallSockets, on sockets.
type stallListener struct {
	net.Listener
	sockets chan *stallSocket
}

func (l *stallListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	s := &stallSocket{Conn: stall.NewConn(nc, nil), tcp: nc.(*net.TCPConn)}
	select {
	case l.sockets <- s:
	default:
	}
	return s, nil
}

// startStallServer is startServer with each accepted socket a
// stallSocket, the first of which is sent on the returned channel.
func startStallServer(tb testing.TB, srv *rawtls.Server) (*testServer, <-chan *stallSocket) {
	tb.Helper()
	return startStallServerWith(tb, srv, listener.Options{})
}

// startStallServerWith is startStallServer with the listener's options
// (its name and TLS configuration are filled in).
func startStallServerWith(tb testing.TB, srv *rawtls.Server, lo listener.Options) (*testServer, <-chan *stallSocket) {
	tb.Helper()
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		tb.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	sockets := make(chan *stallSocket, 1)
	lo.Name = "tls"
	lo.TLSConfig = certs.NewStatic(gen.Cert).TLSConfig(certs.Options{})
	l := listener.New(&stallListener{Listener: tcp, sockets: sockets}, lo)
	ts := &testServer{srv: srv, ln: l, addr: l.Addr().String(), pool: x509.NewCertPool(), cert: gen, serveErr: make(chan error, 1)}
	ts.pool.AddCert(gen.Cert.Leaf)
	go func() { ts.serveErr <- srv.Serve(l) }()
	tb.Cleanup(func() { ts.close(tb) })
	return ts, sockets
}

// TestCloseBoundedWhenClientStopsReading: when the server ends a
// connection on its own (IdleTimeout) or after the client's close_notify,
// and the client takes nothing more, the close_notify cannot go out.
// crypto/tls gives it a write deadline of its own, 5 s, which would hold
// the goroutine, the socket and the connection's slot; the socket is
// closed within listener.LingerWait of the decision instead.
func TestCloseBoundedWhenClientStopsReading(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// end makes the server decide to end c.
		end func(t *testing.T, c *client)
	}{
		{"idle timeout", func(*testing.T, *client) {}},
		{"after the client's close_notify", func(t *testing.T, c *client) {
			if err := echo(c, []byte("last words")); err != nil {
				t.Fatal(err)
			}
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sock atomic.Pointer[stallSocket]
			decided := make(chan time.Time, 1)
			ts, sockets := startStallServer(t, &rawtls.Server{
				IdleTimeout: time.Second,
				Hooks: &rawtls.Hooks{Closed: func(*rawtls.Conn) {
					// The handler has returned: the close that follows
					// meets a client that takes nothing more.
					sock.Load().stall()
					decided <- time.Now()
				}},
			})
			c := ts.mustDial(t, ts.clientConfig())
			sock.Store(<-sockets)
			tc.end(t, c)

			var at time.Time
			select {
			case at = <-decided:
			case <-time.After(ioTimeout):
				t.Fatal("the server did not end the connection")
			}
			select {
			case <-sock.Load().closed():
				took := time.Since(at)
				t.Logf("socket closed %v after the server ended the connection", took.Round(time.Millisecond))
				// Room for a loaded machine, below crypto/tls's 5 s.
				if took > listener.LingerWait+2*time.Second {
					t.Errorf("socket closed %v after the server ended the connection, want within %v and some room",
						took.Round(time.Millisecond), listener.LingerWait)
				}
			case <-time.After(ioTimeout):
				t.Fatalf("socket still open %v after the server ended the connection", ioTimeout)
			}
			// The client sees the end, not a connection held open.
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			var ne net.Error
			if _, err := io.ReadAll(c); errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("client still connected %v after the close", ioTimeout)
			}
		})
	}
}
