package fault

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHandlerSlowBody: a POST /faults whose form body has not all come
// by the server's read deadline gets 408 Request Timeout saying so (RFC
// 9110 section 15.5.9), not a 400 "bad form" quoting a socket's i/o
// timeout, which reads as a fault in what was sent.
func TestHandlerSlowBody(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls"}})
	srv := httptest.NewUnstartedServer(in.Handler())
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close) // after sendRaw's connection closes: Close waits for it
	br := sendRaw(t, srv.Listener.Addr().String(), "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\nlistener=tls")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "did not all arrive") {
		t.Errorf("%s: %q; want 408 saying the body did not all arrive", resp.Status, body)
	}
}

// sendRaw writes request, as it stands, on a new connection to addr and
// returns the connection's reader; the test's end closes it. An
// httptest server's Close waits for its connections, so the server is
// closed with t.Cleanup, registered first and so run last, not with a
// defer, which would wait on this connection for ever.
func sendRaw(t *testing.T, addr, request string) *bufio.Reader {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(c)
}
