package listener_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestServedDeadlinesTakeNoListenerLock: once a connection is handed out,
// the deadlines its server sets (net/http's for each request, gorilla's
// before each frame) do not take the listener's lock, which every
// connection of the listener and its accept loop share, also when bytes
// a stage read ahead are still put back: a PROXY header and the first
// request in one segment, on a plain listener. Such a connection took
// the lock for every deadline it set, for its whole life.
func TestServedDeadlinesTakeNoListenerLock(t *testing.T) {
	t.Parallel()
	p, err := listener.NewProxy(listener.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := listen(t, listener.Options{Proxy: p, HandshakeTimeout: ioTimeout})
	got := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := io.WriteString(client, "PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\nGET / HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	c := a.c.(*listener.Conn)
	release := listener.HoldLock(l)
	set := make(chan struct{})
	go func() {
		defer close(set)
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		c.SetWriteDeadline(time.Now().Add(ioTimeout))
		c.SetDeadline(time.Time{})
	}()
	select {
	case <-set:
		release()
	case <-time.After(ioTimeout):
		release()
		<-set
		t.Fatal("setting a served connection's deadlines waited for the listener's lock")
	}
}
