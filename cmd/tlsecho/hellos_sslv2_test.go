package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// sslv2Hello is an SSLv2-compatible ClientHello (RFC 5246 appendix E.2)
// offering version with specs, cipher specs of 3 bytes, as SSL 3.0 and
// TLS clients of the 1990s and 2000s sent their first hello.
func sslv2Hello(version uint16, specs ...uint32) []byte {
	var msg cryptobyte.Builder
	msg.AddUint8(1) // CLIENT-HELLO
	msg.AddUint16(version)
	msg.AddUint16(uint16(3 * len(specs)))
	msg.AddUint16(0)  // session ID
	msg.AddUint16(16) // challenge
	for _, s := range specs {
		msg.AddUint24(s)
	}
	msg.AddBytes(make([]byte, 16))
	body := msg.BytesOrPanic()
	return append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...)
}

// TestHellosSSLv2Compatible: crypto/tls refuses an SSLv2-compatible
// hello, and /hellos lists what it offered, its version and the cipher
// suites TLS has, with an outcome that says what it was, rather than an
// entry of empty fields. A hello of over 255 bytes, which crypto/tls
// does not recognise as SSL 2.0, is told all the same.
func TestHellosSSLv2Compatible(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	// OpenSSL 0.9.8's: DHE and RSA suites, two SSL 2.0 kinds
	// (RC4_128_WITH_MD5, DES_192_EDE3_CBC_WITH_MD5) and the
	// renegotiation SCSV.
	old := []uint32{0x000039, 0x000038, 0x000035, 0x010080, 0x000016, 0x00000a, 0x0700c0, 0x000005, 0x000004, 0x0000ff}
	var long []uint32
	for i := range 90 {
		long = append(long, 0x000100+uint32(i))
	}
	tests := []struct {
		name       string
		hello      []byte
		wantJA4    string // its first part
		wantSuites int
		wantWords  []string
	}{
		{"TLS 1.0 client", sslv2Hello(0x0301, old...), "t10i080000_", 8, []string{
			"offering TLS 1.0", "(unsupported SSLv2 handshake received)", "2 of its cipher specs are SSL 2.0's own"}},
		{"SSL 2.0 client", sslv2Hello(0x0002, 0x010080, 0x0700c0), "ts2i000000_", 0, []string{
			"offering SSL 2.0", "2 of its cipher specs are SSL 2.0's own"}},
		{"SSL 3.0 client with one SSL 2.0 kind", sslv2Hello(0x0300, 0x00000a, 0x010080), "ts3i010000_", 1, []string{
			"offering SSL 3.0", "; 1 of its cipher specs is SSL 2.0's own, which TLS has no number for, and is not listed"}},
		{"hello over 255 bytes", sslv2Hello(0x0301, long...), "t10i900000_", 90, []string{
			"offering TLS 1.0", "(first record does not look like a TLS handshake)"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, tt.hello)
			io.Copy(io.Discard, nc) // an alert, or nothing, and the close
			waitHellos(t, ta, "", i+1)
			var got []struct {
				Outcome      string                  `json:"outcome"`
				JA4          string                  `json:"ja4"`
				Versions     []struct{ Name string } `json:"versions"`
				CipherSuites []struct{ Hex string }  `json:"cipher_suites"`
			}
			getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos", &got)
			e := got[0]
			const prefix = "client sent an SSLv2-compatible ClientHello (the SSL 2.0 format of RFC 5246 appendix E.2, "
			if !strings.HasPrefix(e.Outcome, prefix) || !strings.Contains(e.Outcome, "which crypto/tls refuses") {
				t.Errorf("outcome %q, want it to start %q and say crypto/tls refuses it", e.Outcome, prefix)
			}
			for _, w := range tt.wantWords {
				if !strings.Contains(e.Outcome, w) {
					t.Errorf("outcome %q, want it to say %q", e.Outcome, w)
				}
			}
			if !strings.HasPrefix(e.JA4, tt.wantJA4) || len(e.CipherSuites) != tt.wantSuites || len(e.Versions) != 1 {
				t.Errorf("ja4 %q, %d cipher suites, versions %v; want %s..., %d suites, one version",
					e.JA4, len(e.CipherSuites), e.Versions, tt.wantJA4, tt.wantSuites)
			}
		})
	}
}
