package main

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/tlsecho/tlsecho/ws"
)

// TestInfoMaxMessageCeiling: /info gives the message limit /ws holds to,
// which for a TLSECHO_MAX_MESSAGE_BYTES above the ceiling is the ceiling,
// not the number configured; one below it is given as set.
func TestInfoMaxMessageCeiling(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ set, want int64 }{
		{1<<63 - 1, ws.MaxMessageCeiling},
		{ws.MaxMessageCeiling + 1, ws.MaxMessageCeiling},
		{4096, 4096},
	} {
		ta := startApp(t, map[string]string{"MAX_MESSAGE_BYTES": strconv.FormatInt(tt.set, 10)})
		tr := &http.Transport{TLSClientConfig: ta.clientTLS()}
		defer tr.CloseIdleConnections()
		var doc struct {
			WebSocket struct {
				MaxMessageBytes int64 `json:"max_message_bytes"`
			} `json:"websocket"`
		}
		getJSON(t, &http.Client{Transport: tr, Timeout: ioWait}, "https://"+ta.HTTPSAddr+"/info", &doc)
		if got := doc.WebSocket.MaxMessageBytes; got != tt.want {
			t.Errorf("TLSECHO_MAX_MESSAGE_BYTES=%d: /info max_message_bytes %d, want %d", tt.set, got, tt.want)
		}
	}
}
