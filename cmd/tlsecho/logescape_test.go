package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestLogEscapesHiddenCharacters: an Origin carrying bidi controls, a
// zero-width space and a tag character (each reorders or hides text in a
// log viewer) is written escaped in either format, never raw; in JSON
// the escape decodes back to the very value the client sent.
func TestLogEscapesHiddenCharacters(t *testing.T) {
	t.Parallel()
	const hidden = "\u202e\u200f\u2066\u200b\U000e0041"
	origin := "https://evil" + hidden + ".example"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"LOG_FORMAT": format})
			d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {origin}})
			if err == nil {
				c.Close()
				t.Fatal("a foreign origin was allowed")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial: %v, want HTTP 403", err)
			}
			resp.Body.Close()

			line := waitLogged(t, ta, "websocket origin refused")
			for _, r := range hidden {
				if strings.ContainsRune(ta.Log.String(), r) {
					t.Errorf("U+%04X written raw in the log", r)
				}
			}
			if !strings.Contains(line, `evil\u202e\u200f\u2066\u200b`) {
				t.Errorf("the origin is not escaped as \\u202e…:\n%s", line)
			}
			if format == "json" {
				recs := ta.Log.Records(t, "websocket origin refused")
				if len(recs) != 1 || recs[0]["origin"] != origin {
					t.Errorf("records %v, want one with origin %q", recs, origin)
				}
			}
		})
	}
}

// TestJSONEscapesDEL: DEL, which a client can put in a WebSocket close
// reason, is a control character slog's JSONHandler writes raw; the log
// writes it escaped, and the record decodes to the same value.
func TestJSONEscapesDEL(t *testing.T) {
	var out strings.Builder
	log := slog.New(slog.NewJSONHandler(jsonEscaper{&out}, nil))
	const reason = "bye\x7fnow"
	log.Info("websocket closed", "reason", reason)
	if strings.ContainsRune(out.String(), 0x7f) || !strings.Contains(out.String(), `bye\u007fnow`) {
		t.Fatalf("DEL not escaped: %q", out.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(out.String()), &rec); err != nil || rec["reason"] != reason {
		t.Fatalf("record %q decodes to %v (%v), want reason %q", out.String(), rec["reason"], err, reason)
	}
}
