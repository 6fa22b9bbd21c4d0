package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHandshakesFull: what -handshakes counts, and compare's handshake
// row divides by the server's CPU, are full handshakes with one key
// exchange, X25519: a client that resumed sessions (a session cache)
// would count handshakes that skip the certificate's signature, and one
// that offered Go's default hybrid group would cost the server a third
// more per handshake than the figures say. The server here records each
// connection's state.
func TestHandshakesFull(t *testing.T) {
	cert, caFile := testCert(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var states []tls.ConnectionState
	var wg sync.WaitGroup
	defer func() { l.Close(); wg.Wait() }()
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				tc := c.(*tls.Conn)
				tc.SetDeadline(time.Now().Add(time.Minute))
				if tc.Handshake() != nil {
					return
				}
				mu.Lock()
				states = append(states, tc.ConnectionState())
				mu.Unlock()
				io.Copy(tc, tc)
			})
		}
	})
	var stdout bytes.Buffer
	args := []string{"-handshakes", "-c", "2", "-n", "5", "-size", "64", "-ca", caFile, "-progress", "0", "tls://" + l.Addr().String()}
	if code := run(args, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stdout.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(states) < 10 {
		t.Fatalf("%d connections, want at least 10: 2 clients, 5 each", len(states))
	}
	var bad []string
	for _, s := range states {
		if s.DidResume || s.CurveID != tls.X25519 {
			bad = append(bad, fmt.Sprintf("resumed %v, key exchange %v", s.DidResume, s.CurveID))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d connections not a full X25519 handshake: %s", len(bad), len(states), strings.Join(bad, "; "))
	}
}
