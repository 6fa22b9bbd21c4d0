package rawtls_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestHandlerPanic: a handler that panics on a chosen message ends that
// connection only. The process lives on, one error record names the
// peer, the client sees its connection closed, and another client is
// still echoed.
func TestHandlerPanic(t *testing.T) {
	logs := &testlog.Buffer{}
	srv := &rawtls.Server{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Handler: rawtls.HandlerFunc(func(c *rawtls.Conn) error {
			buf := make([]byte, 64)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return err
				}
				if bytes.Equal(buf[:n], []byte("panic")) {
					panic("handler fails on purpose")
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return err
				}
			}
		}),
	}
	ts := startServer(t, srv, certs.Options{})
	other := ts.mustDial(t, ts.clientConfig())
	if err := echo(other, []byte("before")); err != nil {
		t.Fatal(err)
	}
	victim := ts.mustDial(t, ts.clientConfig())
	if err := echo(victim, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := victim.Write([]byte("panic")); err != nil {
		t.Fatal(err)
	}
	// The server closes with close_notify: the end of the stream, and
	// nothing echoed before it.
	if rest, err := io.ReadAll(victim); err != nil || len(rest) != 0 {
		t.Errorf("after the panic the client read %q, %v; want the end of the stream", rest, err)
	}
	if err := echo(other, []byte("after")); err != nil {
		t.Fatalf("the other client after the panic: %v", err)
	}
	waitFor(t, ioTimeout, "the panicked connection to end", func() bool { return srv.Active() == 1 })

	var errs []map[string]any
	for _, r := range logs.Records(t, "") {
		if r["level"] == "ERROR" {
			errs = append(errs, r)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d error records, want 1: %v", len(errs), errs)
	}
	r := errs[0]
	stack, _ := r["stack"].(string)
	if r["peer"] != victim.LocalAddr().String() || r["panic"] != "handler fails on purpose" ||
		!strings.Contains(stack, "panic_test.go") {
		t.Errorf("error record %v; want peer %s, the panic value and a stack through the handler", r, victim.LocalAddr())
	}
}
