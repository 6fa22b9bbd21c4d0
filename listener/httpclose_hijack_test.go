package listener_test

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestHijackedConnKeepsItsWriteDeadline: HTTPConns cuts write deadlines to
// LingerWait only while net/http serves the connection; one taken over
// from it (a WebSocket upgrade) keeps the deadlines its new owner sets.
// Here the owner gives a write 2 s against a client that does not read.
func TestHijackedConnKeepsItsWriteDeadline(t *testing.T) {
	t.Parallel()
	const within = 2 * time.Second
	l := listen(t, listener.Options{Name: "http"})
	conns := listener.NewHTTPConns(ioTimeout)
	type result struct {
		took time.Duration
		err  error
	}
	done := make(chan result, 1)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			nc, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				done <- result{err: err}
				return
			}
			defer nc.Close()
			start := time.Now()
			nc.SetWriteDeadline(start.Add(within))
			chunk := make([]byte, 64<<10)
			for {
				if _, err := nc.Write(chunk); err != nil {
					done <- result{time.Since(start), err}
					return
				}
			}
		}),
		ConnContext:       listener.ConnContext,
		ConnState:         conns.ConnState,
		ReadHeaderTimeout: ioTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })

	c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if !errors.Is(r.err, os.ErrDeadlineExceeded) || r.took < within/2 {
			t.Errorf("the write to a client that does not read ended after %v with %v; want its own deadline, %v", r.took.Round(time.Millisecond), r.err, within)
		}
	case <-time.After(within + ioTimeout):
		t.Fatal("the write did not end")
	}
}
