package listener_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestMaxConnsRefusalLingersBounded: a connection refused at MaxConns is
// shut for writing at once and then read from for at most LingerWait, so
// that its bytes in flight meet no reset; a client that neither closes nor
// stops sending does not keep the socket past that. Once the server has
// closed it, the kernel answers the client's next byte with a reset.
func TestMaxConnsRefusalLingersBounded(t *testing.T) {
	t.Parallel()
	l := listen(t, listener.Options{Name: "admin", MaxConns: 1})
	got := acceptAll(t, l)
	held, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	next(t, got)

	extra, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := extra.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("refused connection: read %d bytes, %v; want the server's FIN", n, err)
	}
	waitFor(t, listener.LingerWait+5*time.Second, "the refused connection closed by the server (a reset for the client's byte)", func() bool {
		_, err := extra.Write([]byte{'x'})
		return err != nil
	})
}
