package listener_test

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRefusedHandshakeLingersLingerWait checks that a connection whose
// handshake the server refused with an answer (here crypto/tls's
// protocol_version alert) lingers for the client's close only
// LingerWait, not until the handshake deadline: a client that keeps its
// socket open after the refusal must not hold a slot of MaxConns for
// HandshakeTimeout.
func TestRefusedHandshakeLingersLingerWait(t *testing.T) {
	t.Parallel()
	l := listen(t, tlsOptions(t, listener.Options{HandshakeTimeout: time.Minute}))
	acceptAll(t, l)
	raw, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cfg := clientConfig(t)
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
	tc := tls.Client(raw, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err == nil {
		t.Fatal("a TLS 1.0 handshake succeeded")
	}
	// The client sends nothing more and keeps its socket open.
	start := time.Now()
	waitFor(t, ioTimeout, "the refused connection's slot", func() bool { return l.Active() == 0 })
	t.Logf("slot freed %v after the refusal", time.Since(start).Round(time.Millisecond))
}
