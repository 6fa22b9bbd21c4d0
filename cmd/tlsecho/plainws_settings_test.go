package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestWSSettingsOnBothPorts: TLSECHO_MAX_MESSAGE_BYTES,
// TLSECHO_WS_COMPRESSION and TLSECHO_PING_INTERVAL hold for ws:// on the
// plain HTTP listener as for wss:// on the HTTPS port: a message of the
// limit is echoed compressed, one byte more gets close 1009, and a
// client that reads nothing, so answers no ping, gets close 1008 within
// two intervals and some room.
func TestWSSettingsOnBothPorts(t *testing.T) {
	t.Parallel()
	const limit, interval = 64, 300 * time.Millisecond
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "MAX_MESSAGE_BYTES": "64",
		"WS_COMPRESSION": "true", "PING_INTERVAL": interval.String(), "IDLE_TIMEOUT": "1m"})
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: ioWait, EnableCompression: true}
	for _, url := range []string{"wss://" + ta.HTTPSAddr + "/ws", "ws://" + ta.HTTPAddr + "/ws"} {
		t.Run(url[:strings.Index(url, ":")], func(t *testing.T) {
			t.Parallel()
			c, resp, err := d.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Errorf("extensions %q, want permessage-deflate", ext)
			}
			msg := bytes.Repeat([]byte("a"), limit)
			c.SetWriteDeadline(time.Now().Add(ioWait))
			c.SetReadDeadline(time.Now().Add(ioWait))
			if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes: %d bytes, %v", limit, len(got), err)
			}
			if err := c.WriteMessage(websocket.BinaryMessage, append(msg, 'a')); err != nil {
				t.Fatal(err)
			}
			var ce *websocket.CloseError
			if _, _, err := c.ReadMessage(); !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
				t.Fatalf("a message of %d bytes: %v, want close 1009", limit+1, err)
			}

			// The clock starts before the dial: the server's starts at the
			// upgrade, before the dial returns.
			start := time.Now()
			mute, _, err := d.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer mute.Close()
			// The pings wait in the socket unread; the drop's close frame
			// comes after them.
			mute.SetPingHandler(func(string) error { return nil })
			mute.SetReadDeadline(time.Now().Add(2*interval + ioWait))
			if _, _, err := mute.ReadMessage(); !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Fatalf("a client that answers no ping: %v after %v, want close 1008", err, time.Since(start))
			}
			if took := time.Since(start); took < 2*interval {
				t.Errorf("dropped after %v, before two ping intervals (%v)", took, 2*interval)
			}
		})
	}
}
