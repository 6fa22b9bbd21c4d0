package rawtls_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/rawtls"
)

// endReasonLogTests end a connection in each way a metric tells apart,
// so the log can be checked to say the same.
var endReasonLogTests = []struct {
	name string
	want rawtls.EndReason
	// end ends c, the test's only connection, after its echo.
	end func(t *testing.T, ts *testServer, c *client)
}{
	{name: "client", want: rawtls.EndClient, end: func(t *testing.T, _ *testServer, c *client) {
		c.Close()
	}},
	{name: "shutdown", want: rawtls.EndShutdown, end: func(t *testing.T, ts *testServer, _ *client) {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}},
	{name: "idle", want: rawtls.EndIdle, end: func(*testing.T, *testServer, *client) {}},
}

// TestEndReasonLogged checks that the debug line of a connection's end
// names the reason Hooks.Closed counts it under
// (tlsecho_raw_closes_total), so the log and the metric say the same of
// one connection. A connection ended by a shutdown was logged in the
// words of one the client ended, "connection closed" with nothing more,
// while the metric counted it as a shutdown.
func TestEndReasonLogged(t *testing.T) {
	t.Parallel()
	for _, tc := range endReasonLogTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs testlog.Buffer
			reasons := make(chan rawtls.EndReason, 1)
			srv := &rawtls.Server{
				// Long enough that only the idle case meets it, even on a
				// loaded machine; short enough for that case to be quick.
				IdleTimeout: 2 * time.Second,
				DrainQuiet:  10 * time.Millisecond,
				Logger:      slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Hooks:       &rawtls.Hooks{Closed: func(c *rawtls.Conn) { reasons <- c.EndReason() }},
			}
			if tc.name != "idle" {
				srv.IdleTimeout = time.Minute
			}
			ts := startServer(t, srv, certs.Options{})
			c := ts.mustDial(t, ts.clientConfig())
			defer c.Close()
			if err := echo(c, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			tc.end(t, ts, c)
			var got rawtls.EndReason
			select {
			case got = <-reasons:
			case <-time.After(ioTimeout):
				t.Fatalf("connection not ended within %v", ioTimeout)
			}
			if got != tc.want {
				t.Fatalf("Hooks.Closed got reason %v, want %v", got, tc.want)
			}
			// The line is written before the hook is called.
			var records []map[string]any
			for _, msg := range []string{"connection closed", "connection ended"} {
				records = append(records, logs.Records(t, msg)...)
			}
			if len(records) != 1 {
				t.Fatalf("%d records of the connection's end, want 1:\n%s", len(records), logs.String())
			}
			if r := records[0]["reason"]; r != tc.want.String() {
				t.Errorf("the %q line has reason %v, want %q (what the metric counts):\n%s",
					records[0]["msg"], r, tc.want.String(), logs.String())
			}
		})
	}
}
