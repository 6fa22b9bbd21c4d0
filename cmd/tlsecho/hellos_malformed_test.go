package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// rawExt is an extension of type typ whose body is b as it stands,
// well-formed or not.
func rawExt(typ uint16, b ...byte) helloExt {
	return helloExt{typ, func(bb *cryptobyte.Builder) { bb.AddBytes(b) }}
}

// TestHellosMalformedExtension: a hello whose extensions block is whole
// but one extension's contents crypto/tls refuses is refused with a bare
// "error decoding message". /hellos still lists what the client offered,
// the malformed extension among its extensions and in
// malformed_extensions, its fields empty when its contents do not decode
// and as decoded when they do, and an outcome that names it and says
// what is wrong with it.
func TestHellosMalformedExtension(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	sni := rawExt(0x0000, 0, 12, 0, 0, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't')
	groups := helloExt{0x000a, u16s(0x001d)}
	sigs := helloExt{0x000d, u16s(0x0403)}
	alpn := rawExt(0x0010, 0, 3, 2, 'h', '2')
	// Wire order: server_name, supported_groups, signature_algorithms,
	// supported_versions, ALPN, key_share; one of them replaced.
	tests := []struct {
		name        string
		addr        string
		exts        []helloExt
		wantOutcome string
		wantJA4R    string
		wantJA3     string
		wantSNI     string
		wantBroken  string // malformed_extensions, by name
	}{
		{
			name:        "truncated key_share",
			addr:        ta.TLSAddr,
			exts:        []helloExt{sni, groups, sigs, versionsExt(0x0304), alpn, rawExt(0x0033, 0, 36, 0, 0x1d, 0, 32, 1, 2)},
			wantOutcome: "malformed extension key_share (0x0033): its list overruns the extension, which crypto/tls refuses (",
			wantJA4R:    "t13d0106h2_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantSNI:     "localhost",
			wantBroken:  "key_share",
		},
		{
			name:        "empty server_name",
			addr:        ta.TLSAddr,
			exts:        []helloExt{rawExt(0x0000), groups, sigs, versionsExt(0x0304), alpn, x25519Share()},
			wantOutcome: "malformed extension server_name (0x0000): it is empty, which crypto/tls refuses (",
			wantJA4R:    "t13i0106h2_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantBroken:  "server_name",
		},
		{
			name:        "ALPN that overruns",
			addr:        ta.TLSAddr,
			exts:        []helloExt{sni, groups, sigs, versionsExt(0x0304), rawExt(0x0010, 0, 4, 5, 'h', '2', 'x'), x25519Share()},
			wantOutcome: "malformed extension application_layer_protocol_negotiation (0x0010): a protocol name overruns its list, which crypto/tls refuses (",
			wantJA4R:    "t13d010600_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantSNI:     "localhost",
			wantBroken:  "application_layer_protocol_negotiation",
		},
		{
			name:        "odd supported_versions",
			addr:        ta.TLSAddr,
			exts:        []helloExt{sni, groups, sigs, rawExt(0x002b, 3, 0x03, 0x04, 0x03), alpn, x25519Share()},
			wantOutcome: "malformed extension supported_versions (0x002b): its list has an odd length, which crypto/tls refuses (",
			wantJA4R:    "t12d0106h2_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantSNI:     "localhost",
			wantBroken:  "supported_versions",
		},
		{
			name:        "odd signature_algorithms, HTTPS port",
			addr:        ta.HTTPSAddr,
			exts:        []helloExt{sni, groups, rawExt(0x000d, 0, 3, 0x04, 0x03, 0x08), versionsExt(0x0304), alpn, x25519Share()},
			wantOutcome: "malformed extension signature_algorithms (0x000d): its list has an odd length, which crypto/tls refuses (",
			wantJA4R:    "t13d0106h2_1301_000a,000d,002b,0033",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantSNI:     "localhost",
			wantBroken:  "signature_algorithms",
		},
		{
			// What `openssl s_client -servername localhost.` sends: the
			// name decodes, so it is shown, and JA4 says "d".
			name:        "server_name ending in a dot",
			addr:        ta.TLSAddr,
			exts:        []helloExt{rawExt(0x0000, 0, 13, 0, 0, 10, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', '.'), groups, sigs, versionsExt(0x0304), alpn, x25519Share()},
			wantOutcome: "malformed extension server_name (0x0000): its host_name ends in a dot, which crypto/tls refuses (",
			wantJA4R:    "t13d0106h2_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantSNI:     "localhost.",
			wantBroken:  "server_name",
		},
		{
			// An empty list decodes, but shows no name: JA4 "i".
			name:        "empty server_name list",
			addr:        ta.TLSAddr,
			exts:        []helloExt{rawExt(0x0000, 0, 0), groups, sigs, versionsExt(0x0304), alpn, x25519Share()},
			wantOutcome: "malformed extension server_name (0x0000): its list is empty, which crypto/tls refuses (",
			wantJA4R:    "t13i0106h2_1301_000a,000d,002b,0033_0403",
			wantJA3:     "771,4865,0-10-13-43-16-51,29,",
			wantBroken:  "server_name",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, tt.addr, extHello(tt.exts...))
			// crypto/tls answers with a decode_error alert and closes.
			io.Copy(io.Discard, nc)
			waitHellos(t, ta, "", i+1)
			var got []struct {
				Outcome    string                  `json:"outcome"`
				JA4R       string                  `json:"ja4_r"`
				JA3        string                  `json:"ja3"`
				SNI        string                  `json:"sni"`
				Extensions []struct{ Hex string }  `json:"extensions"`
				Suites     []struct{ Hex string }  `json:"cipher_suites"`
				Broken     []struct{ Name string } `json:"malformed_extensions"`
			}
			getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos", &got)
			e := got[0]
			if !strings.HasPrefix(e.Outcome, tt.wantOutcome) || !strings.HasSuffix(e.Outcome, "error decoding message)") {
				t.Errorf("outcome %q, want it to start %q and end with crypto/tls's words", e.Outcome, tt.wantOutcome)
			}
			if e.JA4R != tt.wantJA4R || e.JA3 != tt.wantJA3 || e.SNI != tt.wantSNI {
				t.Errorf("ja4_r %q, ja3 %q, sni %q; want %q, %q, %q", e.JA4R, e.JA3, e.SNI, tt.wantJA4R, tt.wantJA3, tt.wantSNI)
			}
			if len(e.Extensions) != len(tt.exts) || len(e.Suites) != 1 || e.Suites[0].Hex != "1301" {
				t.Errorf("%d extensions, suites %v; want %d and 1301", len(e.Extensions), e.Suites, len(tt.exts))
			}
			if len(e.Broken) != 1 || e.Broken[0].Name != tt.wantBroken {
				t.Errorf("malformed_extensions %v, want %s", e.Broken, tt.wantBroken)
			}
		})
	}
}
