package main

import (
	"fmt"
	"io"
	"testing"

	"github.com/gorilla/websocket"
)

// howEndedTests are ends of a wss:// connection as the client's read
// finds them, and how the client words each.
var howEndedTests = []struct {
	name string
	err  error
	want string
}{
	{"FIN between records", &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: io.ErrUnexpectedEOF.Error()}, "with a TCP FIN and no close frame"},
	// A timed fin cuts a paced echo inside a record: crypto/tls's error,
	// passed on by gorilla. It used to read "closed the connection".
	{"FIN inside a record", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), "with a TCP FIN and no close frame"},
	{"close frame", &websocket.CloseError{Code: 4001, Text: "bye"}, ""},
}

// TestHowEndedWSS: the FIN of the fin fault is named as such on wss://,
// wherever it falls.
func TestHowEndedWSS(t *testing.T) {
	t.Parallel()
	for _, tt := range howEndedTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&observer{}).howEnded("wss", tt.err); got != tt.want {
				t.Errorf("howEnded(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
