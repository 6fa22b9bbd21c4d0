package ws

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestUpgradeDuringShutdownCounted: a connection upgraded just as
// Shutdown begins, which gets its 101 and then close 1001, is a
// WebSocket the client saw: the hooks (the metrics' connections and
// close codes) and the debug log's open and closed records count it as
// any other, with the 1001 it was sent. It used to be closed with no
// hook called and nothing logged.
func TestUpgradeDuringShutdownCounted(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var opened int
	var codes []int
	var logs testlog.Buffer
	c, _, result := shutdownDuringUpgrade(t, func(*stallConn) context.Context { return context.Background() }, func(s *Server) {
		s.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s.Hooks = &Hooks{
			Opened: func(*Conn) {
				mu.Lock()
				opened++
				mu.Unlock()
			},
			Closed: func(c *Conn) {
				mu.Lock()
				codes = append(codes, c.CloseCode())
				mu.Unlock()
			},
		}
	})
	c.SetReadDeadline(time.Now().Add(ioWait))
	_, _, err := c.ReadMessage()
	if ce := (*websocket.CloseError)(nil); !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("upgraded during Shutdown: read %v, want close 1001", err)
	}
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Shutdown = %v, want nil", err)
		}
	case <-time.After(2 * ioWait):
		t.Fatalf("Shutdown still running %v after the close", 2*ioWait)
	}
	// Shutdown has waited for the upgrade, its Closed hook included.
	mu.Lock()
	defer mu.Unlock()
	if opened != 1 || len(codes) != 1 || codes[0] != websocket.CloseGoingAway {
		t.Errorf("hooks: Opened %d times, Closed with codes %v; want once each, code 1001", opened, codes)
	}
	if n := len(logs.Records(t, "websocket open")); n != 1 {
		t.Errorf("%d \"websocket open\" records, want 1", n)
	}
	recs := logs.Records(t, "websocket closed")
	if len(recs) != 1 || recs[0]["code"] != float64(websocket.CloseGoingAway) {
		t.Errorf("\"websocket closed\" records %v, want one with code 1001", recs)
	}
}
