package main

import (
	"context"
	"crypto/tls"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestHellosCCMSuitesNamed: the TLS 1.3 CCM suites, which OpenSSL offers
// when asked and Go does not do, are named in /hellos, in the outcome of
// the handshake they fail and in its cipher_suites, not "unknown".
func TestHellosCCMSuitesNamed(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_3",
		"-ciphersuites", "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256", "-servername", "localhost")
	cmd.Stdin = strings.NewReader("")
	cmd.Run()
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 {
		t.Fatalf("/hellos = %+v, want one entry", got)
	}
	const want = "no cipher suite supported by both client and server; client offered: " +
		"TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
	if got[0].Outcome != want {
		t.Errorf("outcome %q\nwant %q", got[0].Outcome, want)
	}
	var names []string
	for _, s := range got[0].CipherSuites {
		names = append(names, s.Name)
	}
	if !slices.Contains(names, "TLS_AES_128_CCM_SHA256") || !slices.Contains(names, "TLS_AES_128_CCM_8_SHA256") {
		t.Errorf("cipher_suites named %v", names)
	}
}
