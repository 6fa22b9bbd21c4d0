package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestWarningAlertFloodReason: a TLS 1.2 client that sends data and, in
// the same write, more warning alerts than crypto/tls lets pass. The
// Read that returns the data reads the alerts behind it too, and
// crypto/tls, past its bound, sends a fatal unexpected_message alert
// inside it: the data cannot be echoed, since nothing more is sent once
// the alert is out. The connection's end is logged with the read's
// error, "too many ignored records", and not with the echo's write that
// failed after it ("local error: tls: unexpected message", which tells
// of the alert and not why).
func TestWarningAlertFloodReason(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	ts := startServer(t, &rawtls.Server{IdleTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, certs.Options{})
	var keys bytes.Buffer
	cfg := ts.clientConfig()
	cfg.MaxVersion, cfg.KeyLogWriter = tls.VersionTLS12, &keys
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	c := ts.mustDial(t, cfg)
	var seg bytes.Buffer
	w, err := tlsrecord.New12(&seg, keys.String(), c.wire.buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	w.Record(tlsrecord.TypeApplicationData, []byte("before"))
	for range 17 {
		w.Record(tlsrecord.TypeAlert, []byte{1, 100}) // warning, no_renegotiation
	}
	if _, err := c.tcp.Write(seg.Bytes()); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	io.Copy(io.Discard, c)
	waitFor(t, ioTimeout, "the connection to end", func() bool { return ts.srv.Active() == 0 })
	var ended string
	waitFor(t, ioTimeout, "its end to be logged", func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `msg="connection ended"`) {
				ended = l
				return true
			}
		}
		return false
	})
	if !strings.Contains(ended, `err="tls: too many ignored records"`) {
		t.Errorf("the end is logged as\n%s\nwant crypto/tls's reason, err=\"tls: too many ignored records\"", ended)
	}
}
