package ws

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/tlsrecord"
)

// sealedClient is a client whose handshake crypto/tls made, and whose
// records from then on a tlsrecord writer seals in its place (every
// record it sends counts in its sequence, the upgrade's too); what the
// server sends is read through crypto/tls.
type sealedClient struct {
	tcp   net.Conn  // the socket, for the sealed records
	tls   *tls.Conn // for what the server sends
	keys  string    // the NSS key log of the handshake
	hello []byte    // the first bytes the server sent: its ServerHello
	br    *bufio.Reader
}

// dialSealed handshakes with ts in TLS version v, on a socket d dials
// (nil: a plain dialer), with the AES-128-GCM suite the writers seal.
func dialSealed(t *testing.T, ts *testServer, v uint16, d *net.Dialer) *sealedClient {
	t.Helper()
	var keys bytes.Buffer
	cfg := ts.clientTLS.Clone()
	cfg.MinVersion, cfg.MaxVersion, cfg.KeyLogWriter = v, v, &keys
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	cfg.NextProtos = []string{"http/1.1"}
	cfg.ServerName, _, _ = net.SplitHostPort(ts.addr)
	if d == nil {
		d = &net.Dialer{}
	}
	d.Timeout = ioWait
	tcp, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tcp.Close() })
	wire := &tlsrecord.Tap{Conn: tcp}
	tc := tls.Client(wire, cfg)
	tc.SetDeadline(time.Now().Add(ioWait))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if s := tc.ConnectionState().CipherSuite; v == tls.VersionTLS13 && s != tls.TLS_AES_128_GCM_SHA256 {
		t.Skipf("negotiated %s; the writer seals TLS_AES_128_GCM_SHA256 records only", tls.CipherSuiteName(s))
	}
	return &sealedClient{tcp: tcp, tls: tc, keys: keys.String(), hello: wire.Bytes(), br: bufio.NewReader(tc)}
}

// upgrade asks for the WebSocket upgrade through seal, which seals and
// sends a record of application data, and checks the answer.
func (sc *sealedClient) upgrade(t *testing.T, ts *testServer, seal func([]byte) error) {
	t.Helper()
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", ts.addr, k)
	if err := seal([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(sc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(k + websocketGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("upgrade answered %s", resp.Status)
	}
}
