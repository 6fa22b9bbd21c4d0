package tlsinfo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// foxioVector is one ClientHello from the packet captures published with
// the JA4 specification (FoxIO-LLC/ja4, pcap/), with the JA4 and JA4_r
// that FoxIO's own implementation gives for it (python/test/testdata).
type foxioVector struct {
	Source  string `json:"source"`
	JA4     string `json:"ja4"`
	JA4R    string `json:"ja4_r"`
	Records string `json:"records"` // the TLS records carrying the hello, hex
	// ALPNByText, when set, is the ALPN part the specification's text
	// gives where FoxIO's implementations print "99": for a first value
	// that is not alphanumeric (0xba 0xad here) the text takes the first
	// and last characters of its hex form ("bd"), and so do we.
	ALPNByText string `json:"alpn_by_text"`
}

// foxioVectors loads testdata/foxio-vectors.json.
func foxioVectors(tb testing.TB) []foxioVector {
	tb.Helper()
	data, err := os.ReadFile("testdata/foxio-vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var vectors []foxioVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		tb.Fatal(err)
	}
	return vectors
}

func TestFoxIOVectors(t *testing.T) {
	vectors := foxioVectors(t)
	if len(vectors) < 10 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.Source, func(t *testing.T) {
			records, err := hex.DecodeString(v.Records)
			if err != nil {
				t.Fatal(err)
			}
			raw, h, err := ReadClientHello(bytes.NewReader(records))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, records) {
				t.Errorf("raw is %d bytes, want the %d given", len(raw), len(records))
			}
			if v.ALPNByText != "" {
				v.JA4 = v.JA4[:8] + v.ALPNByText + v.JA4[10:]
				v.JA4R = v.JA4R[:8] + v.ALPNByText + v.JA4R[10:]
			}
			if got := h.JA4(); got != v.JA4 {
				t.Errorf("JA4 = %s, want %s", got, v.JA4)
			}
			if got := h.JA4R(); got != v.JA4R {
				t.Errorf("JA4_r = %s\nwant    %s", got, v.JA4R)
			}
		})
	}
}

// specExample is the ClientHello of the worked example in the JA4
// specification: 15 suites, 16 extensions, ALPN h2, 8 signature
// algorithms; GREASE values added to show they are ignored.
func specExample() *ClientHello {
	return &ClientHello{
		LegacyVersion:     0x0303,
		SupportedVersions: []uint16{0x3a3a, 0x0304, 0x0303},
		CipherSuites: []uint16{0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
			0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		Extensions: []uint16{0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
			0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa},
		alpn:                alpnList("h2", "http/1.1"),
		SignatureAlgorithms: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
	}
}

func TestJA4SpecExample(t *testing.T) {
	h := specExample()
	if got, want := h.JA4(), "t13d1516h2_8daaf6152771_e5627efa2ab1"; got != want {
		t.Errorf("JA4 = %s, want %s", got, want)
	}
	want := "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
	if got := h.JA4R(); got != want {
		t.Errorf("JA4_r = %s\nwant    %s", got, want)
	}
	// Without signature algorithms the extension list is hashed alone.
	h.SignatureAlgorithms = nil
	if got := h.JA4()[24:]; got != "6d807ffa2a79" {
		t.Errorf("extension hash without signature algorithms = %s, want 6d807ffa2a79", got)
	}
}

var ja4EdgeTests = []struct {
	name string
	h    ClientHello
	want string
}{
	{"nothing offered", ClientHello{LegacyVersion: 0x0301}, "t10i000000_000000000000_000000000000"},
	{"only SNI and ALPN: empty extension list", ClientHello{LegacyVersion: 0x0303, CipherSuites: []uint16{0x002f},
		Extensions: []uint16{0x0000, 0x0010}, alpn: alpnList("h2")}, "t12d0102h2_" + hashOf("002f") + "_000000000000"},
	{"supported_versions wins over the legacy version", ClientHello{LegacyVersion: 0x0303, SupportedVersions: []uint16{0x0302, 0x0301}}, "t11i000000_000000000000_000000000000"},
	{"unknown version", ClientHello{LegacyVersion: 0x0305}, "t00i000000_000000000000_000000000000"},
	{"only GREASE versions: the legacy version", ClientHello{LegacyVersion: 0x0303, SupportedVersions: []uint16{0x0a0a, 0x3a3a}}, "t12i000000_000000000000_000000000000"},
	{"SSL 3.0", ClientHello{LegacyVersion: 0x0300}, "ts3i000000_000000000000_000000000000"},
	{"counts stop at 99", ClientHello{LegacyVersion: 0x0303, CipherSuites: make([]uint16, 150)}, "t12i9900"},
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func TestJA4Edges(t *testing.T) {
	for _, tt := range ja4EdgeTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.JA4(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("JA4 = %s, want %s", got, tt.want)
			}
		})
	}
}

// ja4ALPNTests are the examples of the specification's ALPN section.
var ja4ALPNTests = []struct {
	alpn []string
	want string
}{
	{nil, "00"},
	{[]string{""}, "00"},
	{[]string{"h2"}, "h2"},
	{[]string{"http/1.1", "h2"}, "h1"},
	{[]string{"a"}, "aa"},
	{[]string{"\xab"}, "ab"},
	{[]string{"\x20"}, "20"},
	{[]string{"\xab\xcd"}, "ad"},
	{[]string{"\x20\x61"}, "21"},
	{[]string{"\x30\xab"}, "3b"},
	{[]string{"\x61\x20"}, "60"},
	{[]string{"\x30\x31\xab\xcd"}, "3d"},
	{[]string{"\x30\xab\xcd\x31"}, "01"},
}

func TestJA4ALPN(t *testing.T) {
	for _, tt := range ja4ALPNTests {
		h := ClientHello{alpn: alpnList(tt.alpn...)}
		if got := ja4ALPN(h.firstALPN()); got != tt.want {
			t.Errorf("ALPN %q gives %q, want %q", tt.alpn, got, tt.want)
		}
	}
}

// ja3Tests are the two examples of the original JA3 definition
// (salesforce/ja3, README), rebuilt as hellos, the first with GREASE
// values sprinkled in, which JA3 ignores.
var ja3Tests = []struct {
	name       string
	h          ClientHello
	want, hash string
}{
	{
		name: "with extensions",
		h: ClientHello{
			LegacyVersion:   769,
			CipherSuites:    []uint16{0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
			Extensions:      []uint16{0, 10, 0xdada, 11},
			SupportedGroups: []uint16{0x2a2a, 23, 24, 25},
			ECPointFormats:  []uint8{0},
		},
		want: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0",
		hash: "ada70206e40642a3e4461f35503241d5",
	},
	{
		name: "no extensions",
		h:    ClientHello{LegacyVersion: 769, CipherSuites: []uint16{4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99}},
		want: "769,4-5-10-9-100-98-3-6-19-18-99,,,",
		hash: "de350869b8c85de67a350c8d186f11e6",
	},
}

func TestJA3(t *testing.T) {
	for _, tt := range ja3Tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.JA3(); got != tt.want {
				t.Errorf("JA3 = %s, want %s", got, tt.want)
			}
			if got := tt.h.JA3Hash(); got != tt.hash {
				t.Errorf("JA3 hash = %s, want %s", got, tt.hash)
			}
		})
	}
}

func TestIsGREASE(t *testing.T) {
	n := 0
	for v := range 1 << 16 {
		if IsGREASE(uint16(v)) {
			n++
			if v&0xff != v>>8 || v&0x0f != 0x0a {
				t.Errorf("%04x called GREASE", v)
			}
		}
	}
	if n != 16 {
		t.Errorf("%d GREASE values, RFC 8701 reserves 16", n)
	}
}

// alpnList is protos as an ALPN protocol_name_list, for a ClientHello
// made by hand.
func alpnList(protos ...string) string {
	var b []byte
	for _, p := range protos {
		b = append(append(b, byte(len(p))), p...)
	}
	return string(b)
}
