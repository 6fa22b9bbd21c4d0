package tlsinfo_test

import (
	"fmt"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// A hello built by hand: a TLS 1.2 client with two suites, SNI, and a
// GREASE value that the fingerprints ignore.
func ExampleClientHello_JA4() {
	h := &tlsinfo.ClientHello{
		LegacyVersion:       0x0303,
		CipherSuites:        []uint16{0x2a2a, 0xc02f, 0xc02b},
		Extensions:          []uint16{0x0000, 0x000a, 0x000b, 0x000d},
		ServerName:          "example.test",
		SupportedGroups:     []uint16{0x001d, 0x0017},
		SignatureAlgorithms: []uint16{0x0403, 0x0804},
		ECPointFormats:      []uint8{0},
	}
	fmt.Println(h.JA4())
	fmt.Println(h.JA4R())
	fmt.Println(h.JA3())
	// Output:
	// t12d020400_b6f57f3be927_876bcc86782c
	// t12d020400_c02b,c02f_000a,000b,000d_0403,0804
	// 771,49199-49195,0-10-11-13,29-23,0
}
