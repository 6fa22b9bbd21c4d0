package tlsinfo

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// malformedBase is the hello every malformedTests case breaks one
// extension of: SNI, groups, point formats, signature algorithms, ALPN,
// versions and a key share, each well-formed.
func malformedBase() map[uint16][]byte {
	return map[uint16][]byte{
		extServerName:          {0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'},
		extSupportedGroups:     {0, 2, 0x00, 0x1d},
		extECPointFormats:      {1, 0},
		extSignatureAlgorithms: {0, 2, 0x04, 0x03},
		extALPN:                {0, 3, 2, 'h', '2'},
		extSupportedVersions:   {2, 0x03, 0x04},
		extKeyShare:            {0, 8, 0x00, 0x1d, 0, 4, 1, 2, 3, 4},
	}
}

// malformedOrder is the wire order of malformedBase's extensions.
var malformedOrder = []uint16{extServerName, extSupportedGroups, extECPointFormats, extSignatureAlgorithms, extALPN, extSupportedVersions, extKeyShare}

// The whole hello's fingerprints, which a malformed extension changes
// only where a field it gives goes missing.
const (
	wholeJA4R = "t13d0107h2_1301_000a,000b,000d,002b,0033_0403"
	wholeJA3  = "771,4865,0-10-11-13-16-43-51,29,0"
)

var malformedTests = []struct {
	name string
	typ  uint16 // the extension whose body is replaced
	body []byte
	// extra extensions after the base ones, for the cases of an
	// extension sent twice
	extra    [][2][]byte
	wantJA4R string
	wantJA3  string
	wantSNI  string
	wantWhy  string // the outcome's words on it
}{
	{"empty server_name", extServerName, []byte{}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): it is empty"},
	// Once the "bad SNI" case of TestParseErrors, which threw the hello away.
	{"server_name of one byte", extServerName, []byte{0}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): it is too short to hold its list's length"},
	{"server_name list overruns", extServerName, []byte{0, 20, 0, 0, 3, 'a', '.', 'b'}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): its list overruns the extension"},
	{"server_name name overruns its list", extServerName, []byte{0, 6, 0, 0, 9, 'a', '.', 'b'}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): a name overruns its list"},
	{"server_name with bytes after its list", extServerName, []byte{0, 6, 0, 0, 3, 'a', '.', 'b', 0}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): bytes follow its list"},
	{"odd supported_groups", extSupportedGroups, []byte{0, 3, 0x00, 0x1d, 0x00}, nil,
		wholeJA4R, "771,4865,0-10-11-13-16-43-51,,0", "example.com", "supported_groups (0x000a): its list has an odd length"},
	{"odd signature_algorithms", extSignatureAlgorithms, []byte{0, 3, 0x04, 0x03, 0x08}, nil,
		"t13d0107h2_1301_000a,000b,000d,002b,0033", wholeJA3, "example.com", "signature_algorithms (0x000d): its list has an odd length"},
	{"ec_point_formats overruns", extECPointFormats, []byte{2, 0}, nil,
		wholeJA4R, "771,4865,0-10-11-13-16-43-51,29,", "example.com", "ec_point_formats (0x000b): its list overruns the extension"},
	{"key_share cut short", extKeyShare, []byte{0, 8, 0x00, 0x1d, 0, 4, 1, 2}, nil,
		wholeJA4R, wholeJA3, "example.com", "key_share (0x0033): its list overruns the extension"},
	// Once the "bad key share" case of TestParseErrors.
	{"key_share entry overruns its list", extKeyShare, []byte{0, 2, 0x00, 0x1d}, nil,
		wholeJA4R, wholeJA3, "example.com", "key_share (0x0033): a key share overruns its list"},
	{"odd supported_versions", extSupportedVersions, []byte{3, 0x03, 0x04, 0x03}, nil,
		"t12d0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "example.com", "supported_versions (0x002b): its list has an odd length"},
	{"ALPN overruns", extALPN, []byte{0, 4, 5, 'h', '2', 'x'}, nil,
		"t13d010700_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "example.com", "application_layer_protocol_negotiation (0x0010): a protocol name overruns its list"},
	// Sent twice, the malformed one first: the whole one gives the field,
	// as if it alone had been sent. The outcome names the malformed one,
	// which crypto/tls meets before the repeat.
	{"signature_algorithms malformed, then whole", extSignatureAlgorithms, []byte{0, 3, 0x04, 0x03, 0x08},
		[][2][]byte{{{0x00, 0x0d}, {0, 2, 0x08, 0x04}}},
		"t13d0108h2_1301_000a,000b,000d,000d,002b,0033_0804", "771,4865,0-10-11-13-16-43-51-13,29,0", "example.com",
		"signature_algorithms (0x000d): its list has an odd length"},
	// Whole, then malformed: the whole one stays, and crypto/tls stops at
	// the repeat, which the outcome names.
	{"supported_groups whole, then malformed", extSupportedGroups, nil,
		[][2][]byte{{{0x00, 0x0a}, {0, 1, 0x00}}},
		"t13d0108h2_1301_000a,000a,000b,000d,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-10,29,0", "example.com",
		"duplicate extension supported_groups (0x000a)"},
}

// TestMalformedExtension: a hello whose extensions block is whole but one
// extension's contents do not parse is kept, with everything else it
// showed. The malformed extension counts in the extension lists of JA4
// and JA3, as its type was on the wire; each field it would have given is
// absent (no SNI gives JA4 "i", no ALPN "00", no supported_versions the
// legacy version, no signature algorithms none); the outcome names it.
func TestMalformedExtension(t *testing.T) {
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			bodies := malformedBase()
			if tt.body != nil {
				bodies[tt.typ] = tt.body
			}
			msg := helloMessage(1, func(b *cryptobyte.Builder) {
				for _, typ := range malformedOrder {
					b.AddUint16(typ)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(bodies[typ]) })
				}
				for _, e := range tt.extra {
					b.AddBytes(e[0])
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e[1]) })
				}
			})
			h, err := Parse(msg)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := h.JA4R(); got != tt.wantJA4R {
				t.Errorf("JA4_r %s, want %s", got, tt.wantJA4R)
			}
			if got := h.JA3(); got != tt.wantJA3 {
				t.Errorf("JA3 %s, want %s", got, tt.wantJA3)
			}
			if h.ServerName != tt.wantSNI {
				t.Errorf("SNI %q, want %q", h.ServerName, tt.wantSNI)
			}
			wantExts := malformedOrder
			for _, e := range tt.extra {
				wantExts = append(slices.Clone(wantExts), uint16(e[0][0])<<8|uint16(e[0][1]))
			}
			if !slices.Equal(h.Extensions, wantExts) || !slices.Equal(h.CipherSuites, []uint16{0x1301}) || h.LegacyVersion != 0x0303 {
				t.Errorf("extensions %x, suites %x, version %x", h.Extensions, h.CipherSuites, h.LegacyVersion)
			}
			d := DescribeHello(h)
			if len(d.MalformedExtensions) != 1 || d.MalformedExtensions[0].Name != ExtensionName(tt.typ) {
				t.Errorf("malformed_extensions %v, want %s alone", d.MalformedExtensions, ExtensionName(tt.typ))
			}
			rec := Record{Hello: h, Err: errors.New("local error: tls: error decoding message")}
			want := "malformed extension " + tt.wantWhy + ", which crypto/tls refuses (local error: error decoding message)"
			if strings.HasPrefix(tt.wantWhy, "duplicate") {
				want = tt.wantWhy + ": "
			}
			if got := rec.Outcome(); !strings.HasPrefix(got, want) {
				t.Errorf("outcome %q, want %q", got, want)
			}
		})
	}
}

// TestMalformedExtensionOtherFailure: a hello crypto/tls refused for
// another reason keeps crypto/tls's words; the malformed extension is
// named where crypto/tls says "error decoding message" only, as a
// duplicate is.
func TestMalformedExtensionOtherFailure(t *testing.T) {
	bodies := malformedBase()
	bodies[extKeyShare] = []byte{0, 4, 0x00, 0x1d, 0, 4}
	h, err := Parse(helloMessage(1, func(b *cryptobyte.Builder) {
		for _, typ := range malformedOrder {
			b.AddUint16(typ)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(bodies[typ]) })
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := Record{Hello: h, Err: errors.New("tls: handshake timed out")}
	if got := rec.Outcome(); got != "handshake timed out" {
		t.Errorf("outcome %q", got)
	}
	if d := DescribeHello(&ClientHello{}); d.MalformedExtensions == nil {
		t.Error("malformed_extensions of a whole hello is null, want []")
	}
}
