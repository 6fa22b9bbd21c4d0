package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestOriginSummaryAtShutdown: the refused Origins held back from the log
// (more than 5 in a second) are counted in one line when the server
// stops before the second is over, not lost with the process; with
// nothing held back there is no such line.
func TestOriginSummaryAtShutdown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		refusals  int
		summaries int
	}{
		{"held back", 8, 1},
		{"none held back", 3, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"LOG_FORMAT": "json"})
			d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
			for i := range tt.refusals {
				c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {"https://evil.example"}})
				if err == nil {
					c.Close()
					t.Fatal("a foreign origin was allowed")
				}
				if resp == nil || resp.StatusCode != http.StatusForbidden {
					t.Fatalf("dial %d: %v, want HTTP 403", i, err)
				}
				resp.Body.Close()
			}
			ta.Stop(t)

			logged := len(ta.Log.Records(t, "websocket origin refused"))
			sums := ta.Log.Records(t, "websocket origins refused but not logged")
			counted := 0
			for _, s := range sums {
				n, _ := s["count"].(float64)
				counted += int(n)
			}
			// A loaded machine may take longer than the window, whose
			// own summary then comes first: the counts still add up.
			if logged+counted != tt.refusals {
				t.Errorf("%d refusals logged and %d counted in %d summaries, want %d in all\n%s",
					logged, counted, len(sums), tt.refusals, ta.Log.String())
			}
			if tt.summaries == 0 && len(sums) != 0 {
				t.Errorf("summaries %v with nothing held back, want none", sums)
			}
		})
	}
}
