package main

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRefusedAtMaxConnsSeesCleanEnd: a client over TLSECHO_MAX_CONNS
// that sends its request (or its ClientHello) at once, as curl, a
// browser or a probe does, sees the connection end with a FIN, on every
// listener: not a reset, which clients and balancers report as a crash or
// a network fault. Closing the refused socket with the request unread
// made the kernel answer with a reset whenever the request had arrived
// before the accept, a third of the time here.
func TestRefusedAtMaxConnsSeesCleanEnd(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_CONNS": "1", "HTTP_ADDR": "127.0.0.1:0"})
	ports := []struct {
		name string
		ln   *listener.Listener
	}{
		{"http", ta.plainLn}, {"admin", ta.adminLn}, {"https", ta.httpsLn}, {"tls", ta.tlsLn},
	}
	for _, port := range ports {
		t.Run(port.name, func(t *testing.T) {
			t.Parallel()
			addr := port.ln.Addr().String()
			// The one slot, held by a client that sends nothing: counted
			// from accept, handshake or not.
			held, err := net.DialTimeout("tcp", addr, ioWait)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			for deadline := time.Now().Add(ioWait); port.ln.Active() < 1; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the held connection was never accepted")
				}
			}
			// Each refusal ends a reset or a FIN depending on whether the
			// request beat the accept: enough of them that a reset shows.
			for i := range 30 {
				c, err := net.DialTimeout("tcp", addr, ioWait)
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(ioWait))
				if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
					c.Close()
					t.Fatalf("refused client %d: write: %v", i+1, err)
				}
				n, err := c.Read(make([]byte, 512))
				c.Close()
				if n != 0 || err != io.EOF {
					t.Fatalf("refused client %d: read %d bytes, %v; want the connection ended with a FIN (EOF)", i+1, n, err)
				}
			}
		})
	}
}
