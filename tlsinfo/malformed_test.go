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

// wholePSK is a pre_shared_key crypto/tls takes: one identity "x" with
// its ticket age, one binder of one byte.
var wholePSK = []byte{0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 2, 1, 7}

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
	// Contents that decode but break a rule crypto/tls enforces give
	// their fields as decoded (see malformed.go).
	{"server_name list empty", extServerName, []byte{0, 0}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): its list is empty"},
	{"server_name with an empty name", extServerName, []byte{0, 3, 0, 0, 0}, nil,
		"t13i0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "", "server_name (0x0000): a name in it is empty"},
	{"server_name with an empty name after a host name", extServerName, []byte{0, 9, 0, 0, 3, 'a', '.', 'b', 1, 0, 0}, nil,
		wholeJA4R, wholeJA3, "a.b", "server_name (0x0000): a name in it is empty"},
	{"server_name ending in a dot", extServerName, []byte{0, 13, 0, 0, 10, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', '.'}, nil,
		wholeJA4R, wholeJA3, "localhost.", "server_name (0x0000): its host_name ends in a dot"},
	{"server_name with two host names", extServerName, []byte{0, 10, 0, 0, 2, 'a', 'b', 0, 0, 2, 'c', 'd'}, nil,
		wholeJA4R, wholeJA3, "ab", "server_name (0x0000): it holds a second host_name"},
	{"empty supported_groups", extSupportedGroups, []byte{0, 0}, nil,
		wholeJA4R, "771,4865,0-10-11-13-16-43-51,,0", "example.com", "supported_groups (0x000a): its list is empty"},
	{"empty ec_point_formats", extECPointFormats, []byte{0}, nil,
		wholeJA4R, "771,4865,0-10-11-13-16-43-51,29,", "example.com", "ec_point_formats (0x000b): its list is empty"},
	{"empty signature_algorithms", extSignatureAlgorithms, []byte{0, 0}, nil,
		"t13d0107h2_1301_000a,000b,000d,002b,0033", wholeJA3, "example.com", "signature_algorithms (0x000d): its list is empty"},
	{"empty ALPN list", extALPN, []byte{0, 0}, nil,
		"t13d010700_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "example.com", "application_layer_protocol_negotiation (0x0010): its list is empty"},
	{"empty first ALPN name", extALPN, []byte{0, 4, 0, 2, 'h', '2'}, nil,
		"t13d010700_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "example.com", "application_layer_protocol_negotiation (0x0010): a protocol name in it is empty"},
	{"empty ALPN name after h2", extALPN, []byte{0, 4, 2, 'h', '2', 0}, nil,
		wholeJA4R, wholeJA3, "example.com", "application_layer_protocol_negotiation (0x0010): a protocol name in it is empty"},
	{"empty supported_versions", extSupportedVersions, []byte{0}, nil,
		"t12d0107h2_1301_000a,000b,000d,002b,0033_0403", wholeJA3, "example.com", "supported_versions (0x002b): its list is empty"},
	{"key_share with an empty key", extKeyShare, []byte{0, 4, 0x00, 0x1d, 0, 0}, nil,
		wholeJA4R, wholeJA3, "example.com", "key_share (0x0033): a key share's key is empty"},
	// Extensions that give no field the description shows, added after
	// the base ones: only their type counts.
	{"status_request cut short", extStatusRequest, nil, [][2][]byte{{{0x00, 0x05}, {1}}},
		"t13d0108h2_1301_0005,000a,000b,000d,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-5,29,0", "example.com",
		"status_request (0x0005): its request is cut short"},
	{"status_request with bytes after", extStatusRequest, nil, [][2][]byte{{{0x00, 0x05}, {1, 0, 0, 0, 0, 9}}},
		"t13d0108h2_1301_0005,000a,000b,000d,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-5,29,0", "example.com",
		"status_request (0x0005): bytes follow its request"},
	{"extended_master_secret not empty", extExtendedMasterSecret, nil, [][2][]byte{{{0x00, 0x17}, {0}}},
		"t13d0108h2_1301_000a,000b,000d,0017,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-23,29,0", "example.com",
		"extended_master_secret (0x0017): it is not empty"},
	{"signed_certificate_timestamp not empty", extSCT, nil, [][2][]byte{{{0x00, 0x12}, {0, 0}}},
		"t13d0108h2_1301_000a,000b,000d,0012,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-18,29,0", "example.com",
		"signed_certificate_timestamp (0x0012): it is not empty"},
	{"early_data not empty", extEarlyData, nil, [][2][]byte{{{0x00, 0x2a}, {0, 0, 0, 0}}},
		"t13d0108h2_1301_000a,000b,000d,002a,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-42,29,0", "example.com",
		"early_data (0x002a): it is not empty"},
	{"empty signature_algorithms_cert", extSignatureAlgorithmsCert, nil, [][2][]byte{{{0x00, 0x32}, {0, 0}}},
		"t13d0108h2_1301_000a,000b,000d,002b,0032,0033_0403", "771,4865,0-10-11-13-16-43-51-50,29,0", "example.com",
		"signature_algorithms_cert (0x0032): its list is empty"},
	{"odd signature_algorithms_cert", extSignatureAlgorithmsCert, nil, [][2][]byte{{{0x00, 0x32}, {0, 1, 4}}},
		"t13d0108h2_1301_000a,000b,000d,002b,0032,0033_0403", "771,4865,0-10-11-13-16-43-51-50,29,0", "example.com",
		"signature_algorithms_cert (0x0032): its list has an odd length"},
	{"empty renegotiation_info", extRenegotiationInfo, nil, [][2][]byte{{{0xff, 0x01}, {}}},
		"t13d0108h2_1301_000a,000b,000d,002b,0033,ff01_0403", "771,4865,0-10-11-13-16-43-51-65281,29,0", "example.com",
		"renegotiation_info (0xff01): it is empty"},
	{"empty cookie", extCookie, nil, [][2][]byte{{{0x00, 0x2c}, {0, 0}}},
		"t13d0108h2_1301_000a,000b,000d,002b,002c,0033_0403", "771,4865,0-10-11-13-16-43-51-44,29,0", "example.com",
		"cookie (0x002c): its cookie is empty"},
	{"psk_key_exchange_modes overruns", extPSKModes, nil, [][2][]byte{{{0x00, 0x2d}, {2, 1}}},
		"t13d0108h2_1301_000a,000b,000d,002b,002d,0033_0403", "771,4865,0-10-11-13-16-43-51-45,29,0", "example.com",
		"psk_key_exchange_modes (0x002d): its list overruns the extension"},
	{"pre_shared_key not last", extPreSharedKey, nil, [][2][]byte{{{0x00, 0x29}, wholePSK}, {{0x00, 0x17}, {}}},
		"t13d0109h2_1301_000a,000b,000d,0017,0029,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-41-23,29,0", "example.com",
		"pre_shared_key (0x0029): it is not the last extension, where RFC 8446 section 4.2.11 puts it"},
	{"pre_shared_key with an empty identity", extPreSharedKey, nil, [][2][]byte{{{0x00, 0x29}, {0, 6, 0, 0, 0, 0, 0, 0, 0, 2, 1, 7}}},
		"t13d0108h2_1301_000a,000b,000d,0029,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-41,29,0", "example.com",
		"pre_shared_key (0x0029): an identity in it is empty"},
	{"pre_shared_key with an empty binder", extPreSharedKey, nil, [][2][]byte{{{0x00, 0x29}, {0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 1, 0}}},
		"t13d0108h2_1301_000a,000b,000d,0029,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-41,29,0", "example.com",
		"pre_shared_key (0x0029): a binder in it is empty"},
	{"pre_shared_key without binders", extPreSharedKey, nil, [][2][]byte{{{0x00, 0x29}, {0, 7, 0, 1, 'x', 0, 0, 0, 0}}},
		"t13d0108h2_1301_000a,000b,000d,0029,002b,0033_0403", "771,4865,0-10-11-13-16-43-51-41,29,0", "example.com",
		"pre_shared_key (0x0029): its binders overrun the extension"},
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

// errDecoding is crypto/tls's error for a hello it cannot decode.
var errDecoding = errors.New("local error: tls: error decoding message")

// TestMalformedExtension: a hello whose extensions block is whole but one
// extension's contents do not parse is kept, with everything else it
// showed. The malformed extension counts in the extension lists of JA4
// and JA3, as its type was on the wire; each field it would have given is
// absent (no SNI gives JA4 "i", no ALPN "00", no supported_versions the
// legacy version, no signature algorithms none); the outcome names it.
func TestMalformedExtension(t *testing.T) {
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Parse(malformedHello(tt.typ, tt.body, tt.extra))
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
			rec := Record{Hello: h, Err: errDecoding}
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
