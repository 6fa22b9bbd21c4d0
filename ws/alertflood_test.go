package ws

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
)

// firstBytes keeps the first bytes a connection reads: the server's
// ServerHello, which holds its random.
type firstBytes struct {
	net.Conn
	buf bytes.Buffer
}

func (f *firstBytes) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if f.buf.Len() < 1<<10 {
		f.buf.Write(p[:n])
	}
	return n, err
}

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

	var keys bytes.Buffer
	cfg := ts.clientTLS.Clone()
	cfg.MaxVersion, cfg.KeyLogWriter = tls.VersionTLS12, &keys
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	cfg.ServerName, _, _ = net.SplitHostPort(ts.addr)
	tcp, err := net.DialTimeout("tcp", ts.addr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	wire := &firstBytes{Conn: tcp}
	tc := tls.Client(wire, cfg)
	tc.SetDeadline(time.Now().Add(ioWait))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	w, err := tlsrecord.New12(tcp, keys.String(), wire.buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}

	// The upgrade, sealed by w, since every record the client sends
	// counts in its sequence; the answer is read through crypto/tls.
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", ts.addr, k)
	if err := w.Record(tlsrecord.TypeApplicationData, []byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(tc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(k + websocketGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("upgrade answered %s", resp.Status)
	}

	// The message and 17 warnings (no_renegotiation) in one write.
	var seg bytes.Buffer
	w.W = &seg
	w.Record(tlsrecord.TypeApplicationData, frame{fin: true, op: opText, payload: []byte("before")}.encode())
	for range 17 {
		w.Record(tlsrecord.TypeAlert, []byte{1, 100})
	}
	if _, err := tcp.Write(seg.Bytes()); err != nil {
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
