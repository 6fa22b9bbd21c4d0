package ws

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestOriginRefusalOneLine: a refused Origin is one event and one
// record, even at debug level: the warn naming the origin, not a second
// "websocket upgrade failed" for the same 403.
func TestOriginRefusalOneLine(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	srv := &Server{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ts := startServer(t, srv)
	c, resp, err := ts.dialer().Dial(ts.url, http.Header{"Origin": {"https://evil.example"}})
	if err == nil {
		c.Close()
		t.Fatal("the foreign origin was allowed")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial: %v, want HTTP 403", err)
	}
	resp.Body.Close()
	// net/http sends the 403 once the handler has returned, so every
	// record of the refusal is written by now.
	recs := logs.Records(t, "")
	if len(recs) != 1 || recs[0]["msg"] != "websocket origin refused" {
		t.Fatalf("records %v, want only one, websocket origin refused", recs)
	}
}
