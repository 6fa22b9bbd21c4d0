package ws

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
)

// TestWarningAlertFloodReason: a TLS 1.2 client that sends a message and,
// in the same write, more warning alerts than crypto/tls lets pass is
// ended by crypto/tls inside the read that returns the message, with a
// fatal unexpected_message alert: the message cannot be echoed, since
// nothing more can be sent once the alert is out. The connection's end is
// logged with what crypto/tls read ("too many ignored records"), not with
// the failure of the echo's write that followed ("local error: tls:
// unexpected message", which told of the alert and not of why).
func TestWarningAlertFloodReason(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	ts := startServer(t, &Server{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	sc := dialSealed(t, ts, tls.VersionTLS12, nil)
	w, err := tlsrecord.New12(sc.tcp, sc.keys, sc.hello)
	if err != nil {
		t.Fatal(err)
	}
	sc.upgrade(t, ts, func(p []byte) error { return w.Record(tlsrecord.TypeApplicationData, p) })

	// The message and 17 warnings (no_renegotiation) in one write.
	var seg bytes.Buffer
	w.W = &seg
	w.Record(tlsrecord.TypeApplicationData, frame{fin: true, op: opText, payload: []byte("before")}.encode())
	for range 17 {
		w.Record(tlsrecord.TypeAlert, []byte{1, 100})
	}
	if _, err := sc.tcp.Write(seg.Bytes()); err != nil {
		t.Fatal(err)
	}

	var closed []map[string]any
	deadline := time.Now().Add(ioWait)
	for closed = logs.Records(t, "websocket closed"); len(closed) == 0; closed = logs.Records(t, "websocket closed") {
		if time.Now().After(deadline) {
			t.Fatalf("no websocket closed record within %v:\n%s", ioWait, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, _ := closed[0]["err"].(string); !strings.Contains(got, "too many ignored records") {
		t.Errorf("the end is logged as %q; want crypto/tls's reason, too many ignored records", got)
	}
}
