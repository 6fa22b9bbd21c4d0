package rawtls_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestHandshakeLogged checks the debug record of a handshake: version,
// cipher, peer and duration, as the client saw them.
func TestHandshakeLogged(t *testing.T) {
	var logs syncBuffer
	ts := startServer(t, &rawtls.Server{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, certs.Options{})

	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			cfg := ts.clientConfig()
			cfg.MaxVersion = version
			c := ts.mustDial(t, cfg)
			// The server logs after its side of the handshake; an echo
			// proves it got there.
			if err := echo(c, []byte("log me")); err != nil {
				t.Fatal(err)
			}
			peer := c.LocalAddr().String()
			var rec map[string]any
			waitFor(t, ioTimeout, "the handshake record", func() bool {
				rec = findRecord(t, logs.String(), "handshake", peer)
				return rec != nil
			})
			st := c.ConnectionState()
			if rec["level"] != "DEBUG" {
				t.Errorf("level %v, want DEBUG", rec["level"])
			}
			if got, want := rec["version"], tls.VersionName(st.Version); got != want {
				t.Errorf("version %v, want %q", got, want)
			}
			if got, want := rec["cipher"], tls.CipherSuiteName(st.CipherSuite); got != want {
				t.Errorf("cipher %v, want %q", got, want)
			}
			// slog's JSON handler writes a time.Duration as nanoseconds.
			took, ok := rec["took"].(float64)
			if !ok || took <= 0 || time.Duration(took) > ioTimeout {
				t.Errorf("took %v, want a positive handshake duration", rec["took"])
			}
		})
	}
}

// findRecord returns the JSON log record with message msg for peer.
func findRecord(t *testing.T, logs, msg, peer string) map[string]any {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		if rec["msg"] == msg && rec["peer"] == peer {
			return rec
		}
	}
	return nil
}
