package web

import (
	"net"
	"strings"
	"testing"
)

// FuzzClientHost gives /info any Host header. The host it puts into the
// commands a user pastes into a shell must be "localhost", an IP
// address or a plain DNS name taken from the header as it stands; taking
// it again changes nothing; and each command stays the same number of
// words, none with a character a shell would read.
func FuzzClientHost(f *testing.F) {
	for _, tt := range clientHostTests {
		f.Add(tt.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		host := clientHost(header)
		if again := clientHost(host); again != host {
			t.Fatalf("clientHost(%q) = %q, but clientHost(%q) = %q", header, host, host, again)
		}
		if host != "localhost" && !strings.Contains(header, host) {
			t.Fatalf("clientHost(%q) = %q, which is not in the header", header, host)
		}
		if net.ParseIP(host) == nil && (len(host) > 253 || strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != "") {
			t.Fatalf("clientHost(%q) = %q, neither an IP address nor a plain name", header, host)
		}
		for _, bound := range []string{"0.0.0.0:8433", "127.0.0.1:8433", "[::]:8433"} {
			addr, err := net.ResolveTCPAddr("tcp", bound)
			if err != nil {
				t.Fatal(err)
			}
			info := rawTLS(header, addr, false)
			if info == nil {
				t.Fatalf("no commands for Host %q on %s", header, bound)
			}
			sni := 0
			if net.ParseIP(host) == nil && bound == "127.0.0.1:8433" {
				sni = 2 // -servername host
			}
			for cmd, words := range map[string]int{info.OpenSSL: 4 + sni, info.Client: 3 + sni} {
				f := strings.Split(cmd, " ")
				if len(f) != words {
					t.Fatalf("Host %q on %s gives %q: %d words, want %d", header, bound, cmd, len(f), words)
				}
				for _, w := range f {
					if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:/[]") != "" {
						t.Fatalf("Host %q on %s gives %q, with the word %q", header, bound, cmd, w)
					}
				}
			}
		}
	})
}
