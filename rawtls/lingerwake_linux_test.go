package rawtls

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/tcpstate"
)

// TestShutdownKeepsLinger: a connection whose close is reading and
// discarding what the client still sends (close_notify and a half-close
// sent, the socket not yet closed) goes on doing so when a shutdown
// begins. The shutdown's wake-up of every read used to end that read at
// once: the socket was closed, over the client's next bytes or before
// them, and the client got a reset, which fails its writes and drops
// whatever the server had not yet sent. The shutdown's deadline still
// bounds the close (closeConns).
func TestShutdownKeepsLinger(t *testing.T) {
	t.Parallel()
	// A close longer than any pause of a loaded machine: the client's
	// bytes below come well within it.
	srv := &Server{Handler: HandlerFunc(func(*Conn) error { return nil }), linger: lingerTestWait}
	c := serveDial(t, srv, lingerTestWait)
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %v, want the server's close_notify", err)
	}
	client := c.NetConn().(*net.TCPConn)
	// The FIN behind the close_notify: the server's close is reading.
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read %d bytes, %v; want the server's FIN", n, err)
	}
	server := serverSocket(t, srv)
	before, _ := tcpstate.Info(server)
	srv.startDrain()
	msg := []byte("sent after the server's close")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	// Either the server reads the record (and is still reading), or it
	// has closed its socket, and the client gets a reset.
	switch tcpstate.AwaitRead(server, client, before, lingerTestWait) {
	case tcpstate.ClientReset:
		t.Fatal("the client's connection was reset: the server's close stopped reading when the shutdown began")
	case tcpstate.ServerClosed:
		t.Fatal("the server closed its socket when the shutdown began, before the client's last bytes came")
	case tcpstate.TimedOut:
		t.Fatal("the server neither read the client's record nor closed")
	}
}

// lingerTestWait bounds this file's waits, and is the close's bound.
const lingerTestWait = 10 * time.Second

// serverSocket is the socket of srv's one connection.
func serverSocket(t *testing.T, srv *Server) *net.TCPConn {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for c := range srv.conns {
		return c.lc.NetConn().(*net.TCPConn)
	}
	t.Fatal("the server has no connection")
	return nil
}
