package tlsinfo

import (
	"reflect"
	"strconv"
	"testing"
)

// TestDescribeHelloCutAtMaxListed: a list of MaxListed entries is shown
// whole with no omitted; one entry more is cut to MaxListed with that one
// counted; the ALPN list is cut and counted the same way.
func TestDescribeHelloCutAtMaxListed(t *testing.T) {
	values := func(n int) []uint16 {
		vs := make([]uint16, n)
		for i := range vs {
			vs[i] = uint16(0xe000 + i)
		}
		return vs
	}
	names := func(n int) []string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = "p" + strconv.Itoa(i)
		}
		return ps
	}

	fits := DescribeHello(&ClientHello{LegacyVersion: 0x0303, CipherSuites: values(MaxListed), alpn: alpnList(names(MaxListed)...)})
	if len(fits.CipherSuites) != MaxListed || len(fits.ALPN) != MaxListed || fits.Omitted != nil {
		t.Errorf("lists of %d: %d suites, %d ALPN names, omitted %v; want them whole, nothing omitted",
			MaxListed, len(fits.CipherSuites), len(fits.ALPN), fits.Omitted)
	}

	over := DescribeHello(&ClientHello{LegacyVersion: 0x0303, CipherSuites: values(MaxListed + 1),
		SignatureAlgorithms: values(MaxListed + 1), alpn: alpnList(names(MaxListed + 2)...)})
	want := map[string]int{"cipher_suites": 1, "signature_algorithms": 1, "alpn": 2}
	if len(over.CipherSuites) != MaxListed || len(over.SignatureAlgorithms) != MaxListed || len(over.ALPN) != MaxListed ||
		over.ALPN[MaxListed-1] != "p"+strconv.Itoa(MaxListed-1) || !reflect.DeepEqual(over.Omitted, want) {
		t.Errorf("lists over %d: %d suites, %d signature algorithms, %d ALPN names, omitted %v; want %d each, omitted %v",
			MaxListed, len(over.CipherSuites), len(over.SignatureAlgorithms), len(over.ALPN), over.Omitted, MaxListed, want)
	}
}
