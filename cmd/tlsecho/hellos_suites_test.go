package main

import (
	"crypto/tls"
	"testing"
)

// TestHellosNoSharedSuite: a client refused for want of a shared cipher
// suite reads, in /hellos, the suites it offered by name, where
// crypto/tls gives bare hex ("[2f 35]").
func TestHellosNoSharedSuite(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	cfg := ta.clientTLS()
	cfg.MaxVersion = tls.VersionTLS12
	// RSA key exchange, which the server's ECDSA certificate cannot do.
	cfg.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA}
	peer, _, err := handshake(t, ta.TLSAddr, cfg)
	if err == nil {
		t.Fatal("the handshake succeeded without a shared cipher suite")
	}
	got := waitHellos(t, ta, "", 1)
	const want = "no cipher suite supported by both client and server; client offered: " +
		"TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA"
	if len(got) != 1 || got[0].Peer != peer || got[0].Outcome != want {
		t.Errorf("/hellos = %+v\nwant one entry from %s with outcome %q", got, peer, want)
	}
}
