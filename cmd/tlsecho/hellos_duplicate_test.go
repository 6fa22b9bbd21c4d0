package main

import (
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// helloExt is one extension of a hello built by extHello.
type helloExt struct {
	typ  uint16
	body func(b *cryptobyte.Builder)
}

// u16s is an extension body of a 2-byte length and 16-bit values.
func u16s(vs ...uint16) func(b *cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range vs {
				b.AddUint16(v)
			}
		})
	}
}

// versionsExt is a supported_versions extension of vs.
func versionsExt(vs ...uint16) helloExt {
	return helloExt{0x002b, func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range vs {
				b.AddUint16(v)
			}
		})
	}}
}

// x25519Share is a key_share extension with one X25519 key.
func x25519Share() helloExt {
	key := make([]byte, 32)
	rand.Read(key)
	return helloExt{0x0033, func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x001d)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(key) })
		})
	}}
}

// extHello is one handshake record holding a ClientHello offering
// TLS_AES_128_GCM_SHA256 with exts, in that order.
func extHello(exts ...helloExt) []byte {
	var b cryptobyte.Builder
	b.AddUint8(22) // handshake record
	b.AddUint16(0x0301)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(1) // ClientHello
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(make([]byte, 32))                                                   // random
			b.AddUint8(0)                                                                  // session ID
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301) }) // suites
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })        // compression
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, e := range exts {
					b.AddUint16(e.typ)
					b.AddUint16LengthPrefixed(e.body)
				}
			})
		})
	})
	return b.BytesOrPanic()
}

// TestHellosDuplicateExtension: crypto/tls refuses a hello with an
// extension sent twice, and the outcome names the extension where
// crypto/tls says only "error decoding message". The fingerprints take
// such a hello as their reference code does: JA4 the signature
// algorithms of the first signature_algorithms and the highest version
// of every supported_versions (FoxIO's code reads every value Wireshark
// shows); JA3 the supported groups of the last supported_groups
// (Salesforce's ja3.py overwrites them extension by extension).
func TestHellosDuplicateExtension(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	groups := func(vs ...uint16) helloExt { return helloExt{0x000a, u16s(vs...)} }
	sigs := func(vs ...uint16) helloExt { return helloExt{0x000d, u16s(vs...)} }
	tests := []struct {
		name        string
		exts        []helloExt
		wantOutcome string
		wantJA4R    string // its end
		wantJA3     string // its end
		wantSigs    []string
		wantVersion []string
	}{
		{
			name:        "signature_algorithms twice",
			exts:        []helloExt{groups(0x001d), sigs(0x0403), sigs(0x0804), versionsExt(0x0304), x25519Share()},
			wantOutcome: "duplicate extension signature_algorithms (0x000d): ",
			wantJA4R:    "t13i010500_1301_000a,000d,000d,002b,0033_0403",
			wantJA3:     ",29,",
			wantSigs:    []string{"0403"},
			wantVersion: []string{"0304"},
		},
		{
			name:        "supported_versions twice, the higher first",
			exts:        []helloExt{groups(0x001d), sigs(0x0403), versionsExt(0x0304), versionsExt(0x0303), x25519Share()},
			wantOutcome: "duplicate extension supported_versions (0x002b): ",
			wantJA4R:    "t13i010500_1301_000a,000d,002b,002b,0033_0403",
			wantJA3:     ",29,",
			wantSigs:    []string{"0403"},
			wantVersion: []string{"0304", "0303"},
		},
		{
			name:        "supported_groups twice",
			exts:        []helloExt{groups(0x001d), sigs(0x0403), groups(0x0017), versionsExt(0x0304), x25519Share()},
			wantOutcome: "duplicate extension supported_groups (0x000a): ",
			wantJA4R:    "t13i010500_1301_000a,000a,000d,002b,0033_0403",
			wantJA3:     ",23,",
			wantSigs:    []string{"0403"},
			wantVersion: []string{"0304"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, extHello(tt.exts...))
			// crypto/tls answers with a decode_error alert and closes.
			io.Copy(io.Discard, nc)
			waitHellos(t, ta, "", i+1)
			var got []struct {
				Outcome             string                 `json:"outcome"`
				JA4R                string                 `json:"ja4_r"`
				JA3                 string                 `json:"ja3"`
				SignatureAlgorithms []struct{ Hex string } `json:"signature_algorithms"`
				Versions            []struct{ Hex string } `json:"versions"`
			}
			getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos", &got)
			e := got[0]
			if !strings.HasPrefix(e.Outcome, tt.wantOutcome) || !strings.HasSuffix(e.Outcome, "error decoding message)") {
				t.Errorf("outcome %q, want it to start %q and end with crypto/tls's words", e.Outcome, tt.wantOutcome)
			}
			if e.JA4R != tt.wantJA4R {
				t.Errorf("ja4_r %q, want %q", e.JA4R, tt.wantJA4R)
			}
			if !strings.HasSuffix(e.JA3, tt.wantJA3) {
				t.Errorf("ja3 %q, want it to end %q", e.JA3, tt.wantJA3)
			}
			var gotSigs, gotVersions []string
			for _, s := range e.SignatureAlgorithms {
				gotSigs = append(gotSigs, s.Hex)
			}
			for _, v := range e.Versions {
				gotVersions = append(gotVersions, v.Hex)
			}
			if strings.Join(gotSigs, ",") != strings.Join(tt.wantSigs, ",") || strings.Join(gotVersions, ",") != strings.Join(tt.wantVersion, ",") {
				t.Errorf("signature_algorithms %v, versions %v; want %v, %v", gotSigs, gotVersions, tt.wantSigs, tt.wantVersion)
			}
		})
	}
}
