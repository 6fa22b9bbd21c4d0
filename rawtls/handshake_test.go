package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// silentClientTests open TCP connections that never send a ClientHello.
var silentClientTests = []struct {
	name    string
	clients int
}{
	{name: "one client", clients: 1},
	{name: "50 clients", clients: 50},
}

// TestHandshakeTimeoutDropsSilentClients checks that a client that never
// handshakes is dropped after HandshakeTimeout, and that nothing it caused
// outlives it: no goroutine, no descriptor.
func TestHandshakeTimeoutDropsSilentClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tt := range silentClientTests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			baseFDs := fdBaseline(t)
			ts := startServerWith(t, &rawtls.Server{}, listener.Options{HandshakeTimeout: timeout}, certs.Options{})

			var wg sync.WaitGroup
			errs := make(chan error, tt.clients)
			for i := range tt.clients {
				wg.Go(func() {
					start := time.Now()
					conn, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
					if err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
						return
					}
					defer conn.Close()
					conn.SetReadDeadline(start.Add(ioTimeout))
					n, err := conn.Read(make([]byte, 1))
					took := time.Since(start)
					// The server's clock starts after the dial began, so an
					// earlier close is a bug. The upper bound only tells
					// HandshakeTimeout from the 10s default, with seconds of
					// room for 50 clients under -race on a loaded machine.
					switch {
					case n > 0:
						errs <- fmt.Errorf("client %d: server sent data to a silent client", i)
					case !isClosed(err):
						errs <- fmt.Errorf("client %d: not closed within %v: %v", i, ioTimeout, err)
					case took < timeout:
						errs <- fmt.Errorf("client %d: closed after %v, before the %v handshake timeout", i, took, timeout)
					case took > timeout+5*time.Second:
						errs <- fmt.Errorf("client %d: closed after %v, long after the %v handshake timeout", i, took, timeout)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			// While the server still runs, every connection must be gone
			// from it and from the descriptor table; only the listener stays.
			waitFor(t, ioTimeout, "server to forget the dropped connections", func() bool {
				return ts.ln.Active() == 0 && ts.srv.Active() == 0
			})
			waitFDs(t, baseFDs+1, ioTimeout)

			ts.close(t)
			checkNoLeaks(t, ignore)
			waitFDs(t, baseFDs, ioTimeout)
		})
	}
}

// notTLSTests are byte streams that are not a TLS handshake.
var notTLSTests = []struct {
	name    string
	payload []byte
}{
	{
		name:    "plain HTTP",
		payload: []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n"),
	},
	{
		// The first byte is not 0x16, so it cannot pass for a handshake
		// record header.
		name:    "random bytes",
		payload: append([]byte{0x00}, randomBytes(4095, 5)...),
	},
	{
		// A well-formed handshake record header around a body that is not
		// a ClientHello: parsed, then refused.
		name:    "bogus handshake record",
		payload: append([]byte{0x16, 0x03, 0x01, 0x01, 0x00}, randomBytes(256, 6)...),
	},
}

// TestNonTLSClientsDropped sends plain HTTP and garbage to the TLS port:
// each such connection is closed without an echo, well before the
// handshake timeout, while an established client keeps echoing.
func TestNonTLSClientsDropped(t *testing.T) {
	t.Parallel()
	// A handshake timeout far beyond the read deadline below: a connection
	// closed before that deadline was dropped for what it sent.
	ts := startServerWith(t, &rawtls.Server{}, listener.Options{HandshakeTimeout: time.Minute}, certs.Options{})
	good := ts.mustDial(t, ts.clientConfig())

	stop := make(chan struct{})
	var echoes atomic.Int64
	goodErr := make(chan error, 1)
	go func() {
		msg := []byte("still here, still echoing")
		for {
			select {
			case <-stop:
				goodErr <- nil
				return
			default:
			}
			if err := echo(good, msg); err != nil {
				goodErr <- err
				return
			}
			echoes.Add(1)
		}
	}()

	for _, tt := range notTLSTests {
		t.Run(tt.name, func(t *testing.T) {
			before := echoes.Load()
			conn, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			if _, err := conn.Write(tt.payload); err != nil {
				t.Fatalf("write: %v", err)
			}
			conn.SetReadDeadline(start.Add(ioTimeout))
			got, err := io.ReadAll(conn)
			took := time.Since(start)
			if err != nil && !isClosed(err) {
				t.Fatalf("connection not closed after %v: %v", took, err)
			}
			if bytes.Contains(got, tt.payload[:16]) {
				t.Errorf("server echoed bytes of a connection that never handshook")
			}
			waitFor(t, ioTimeout, "the established client to echo meanwhile", func() bool {
				return echoes.Load() > before
			})
		})
	}

	close(stop)
	if err := <-goodErr; err != nil {
		t.Fatalf("established client: %v", err)
	}
	if err := echo(good, []byte("and after")); err != nil {
		t.Fatalf("established client after the bad ones: %v", err)
	}
}

// aeadSuites are the TLS 1.2 suites the server may choose.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

// cbcSuites are TLS 1.2 suites with CBC and HMAC, which RFC 9325 section
// 4.2 advises against (Lucky Thirteen and kin).
var cbcSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
}

var versionTests = []struct {
	name       string
	serverMin  uint16
	clientMin  uint16
	clientMax  uint16
	suites     []uint16
	wantErr    string // in the client's handshake error; empty: must succeed
	wantVer    uint16
	wantSuites []uint16 // acceptable negotiated suites; nil: any
}{
	{
		name:      "TLS 1.0 refused",
		clientMin: tls.VersionTLS10, clientMax: tls.VersionTLS10,
		wantErr: "remote error: tls: protocol version not supported",
	},
	{
		name:      "TLS 1.1 refused",
		clientMin: tls.VersionTLS10, clientMax: tls.VersionTLS11,
		wantErr: "remote error: tls: protocol version not supported",
	},
	{
		name:      "TLS 1.2 accepted with AEAD",
		clientMin: tls.VersionTLS10, clientMax: tls.VersionTLS12,
		wantVer: tls.VersionTLS12, wantSuites: aeadSuites,
	},
	{
		name:      "TLS 1.3 accepted",
		clientMax: tls.VersionTLS13,
		wantVer:   tls.VersionTLS13,
	},
	{
		name:      "TLS 1.2 refused at 1.3 minimum",
		serverMin: tls.VersionTLS13,
		clientMax: tls.VersionTLS12,
		wantErr:   "remote error: tls: protocol version not supported",
	},
	{
		name:      "TLS 1.3 accepted at 1.3 minimum",
		serverMin: tls.VersionTLS13,
		wantVer:   tls.VersionTLS13,
	},
	{
		name:      "CBC only refused",
		clientMax: tls.VersionTLS12,
		suites:    cbcSuites,
		wantErr:   "remote error: tls: handshake failure",
	},
	{
		name:      "CBC first, AEAD chosen",
		clientMax: tls.VersionTLS12,
		suites:    append(slices.Clone(cbcSuites), aeadSuites...),
		wantVer:   tls.VersionTLS12, wantSuites: aeadSuites,
	},
}

// TestVersionsAndCiphers checks that the server, configured by certs,
// refuses old protocol versions and non-AEAD suites, and that the refusal
// comes from the server (a remote alert), not from the client's own
// settings.
func TestVersionsAndCiphers(t *testing.T) {
	t.Parallel()
	servers := map[uint16]*testServer{
		0:                startServer(t, &rawtls.Server{}, certs.Options{}),
		tls.VersionTLS13: startServer(t, &rawtls.Server{}, certs.Options{MinVersion: tls.VersionTLS13}),
	}
	for _, tt := range versionTests {
		t.Run(tt.name, func(t *testing.T) {
			ts := servers[tt.serverMin]
			cfg := ts.clientConfig()
			cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tt.clientMin, tt.clientMax, tt.suites
			c, err := ts.dial(cfg)
			if tt.wantErr != "" {
				if err == nil {
					c.Close()
					t.Fatalf("handshake succeeded with %s %s, want %q",
						tls.VersionName(c.ConnectionState().Version),
						tls.CipherSuiteName(c.ConnectionState().CipherSuite), tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("handshake error %q, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			st := c.ConnectionState()
			if st.Version != tt.wantVer {
				t.Errorf("version %s, want %s", tls.VersionName(st.Version), tls.VersionName(tt.wantVer))
			}
			if tt.wantSuites != nil && !slices.Contains(tt.wantSuites, st.CipherSuite) {
				t.Errorf("cipher %s negotiated, want an AEAD suite", tls.CipherSuiteName(st.CipherSuite))
			}
			if err := echo(c, []byte("negotiated")); err != nil {
				t.Error(err)
			}
		})
	}
}
