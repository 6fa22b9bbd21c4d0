package tlsinfo

import (
	"testing"
)

// TestServerNameSentTwice: of two server_name extensions, the first
// one's host name is the SNI shown, as crypto/tls would have read it
// before refusing the repeat; a second one naming another host, or none,
// does not replace it.
func TestServerNameSentTwice(t *testing.T) {
	for _, tt := range []struct {
		name   string
		second []byte
	}{
		{"another host", []byte{0, 16, 0, 0, 13, 'o', 't', 'h', 'e', 'r', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'}},
		{"no host_name", []byte{0, 4, 1, 0, 1, 'x'}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Parse(malformedHello(extServerName, nil, [][2][]byte{{{0x00, 0x00}, tt.second}}))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h.ServerName != "example.com" {
				t.Errorf("SNI %q, want the first extension's example.com", h.ServerName)
			}
			if got := DescribeHello(h).SNI; got != "example.com" {
				t.Errorf("described SNI %q", got)
			}
		})
	}
}
