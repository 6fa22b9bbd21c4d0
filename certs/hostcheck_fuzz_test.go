package certs

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hostHint finds the value a refusal tells the user to write instead
// ("write "x"", "did you mean "x"", "use "x""), quoted as %q quotes it.
var hostHint = regexp.MustCompile(`(?:write|did you mean|use) ("(?:[^"\\]|\\.)*")`)

// checkHints fails t when a refusal of CheckHost names a value to write
// that CheckHost refuses in turn: the user, doing as told, would only
// meet the next refusal.
func checkHints(t *testing.T, h string, refusal error) {
	t.Helper()
	for _, m := range hostHint.FindAllStringSubmatch(refusal.Error(), -1) {
		hint, err := strconv.Unquote(m[1])
		if err != nil {
			t.Fatalf("CheckHost(%q) = %q: hint %s is not a quoted value", h, refusal, m[1])
		}
		if err := CheckHost(hint); err != nil {
			t.Fatalf("CheckHost(%q) = %q, but the value it suggests is refused in turn: %v", h, refusal, err)
		}
	}
}

// FuzzHosts: a comma list of hosts, as TLSECHO_HOSTS and tlsecho cert
// -hosts give them. When CheckHost takes every one, Generate makes a
// certificate that a client asking for each name verifies; when it
// refuses one, Generate refuses the list with that refusal, which is one
// line (the surfaces print it as their one line on stderr), and any value
// it suggests writing instead is one CheckHost takes. A list too long for
// a certificate a client takes is refused for that alone.
func FuzzHosts(f *testing.F) {
	for _, s := range []string{
		"localhost,127.0.0.1,::1", "a.example, b.example", "*.a.example", "[::1]", ",",
		"localhost:8443", "https://a.example", "a b", "é.example", "a..b", "-a.example", "a.example.",
		"under_score.example", strings.Repeat("a", 64) + ".example", "*", "*.0000000.",
		"-a.example.", "a..example.", "é.", ".", "a-.example..", "é.example.", "[127.0.0.1", "[fe80::1%eth0]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		var hosts []string
		var refusal error
		for _, h := range strings.Split(list, ",") {
			if h = strings.TrimSpace(h); h == "" {
				continue
			}
			hosts = append(hosts, h)
			if err := CheckHost(h); err != nil {
				checkHints(t, h, err)
				if refusal == nil {
					refusal = err
					if strings.ContainsAny(err.Error(), "\r\n") {
						t.Fatalf("CheckHost(%q) = %q, more than one line", h, err)
					}
				}
			}
		}
		if len(hosts) == 0 {
			return
		}
		g, err := Generate(GenerateOptions{Hosts: hosts})
		if refusal != nil {
			if err == nil || err.Error() != "certs: generate: "+refusal.Error() {
				t.Fatalf("CheckHost refuses %q (%v), but Generate answers %v", hosts, refusal, err)
			}
			return
		}
		if err != nil {
			if _, big := err.(*tooManyHostsError); big {
				return
			}
			t.Fatalf("hosts %q accepted, but no certificate is made for them: %v", hosts, err)
		}
		for _, h := range hosts {
			// What a client checks: the name as it connects to it, an
			// address without brackets, and for a wildcard some name it
			// covers.
			name := strings.Trim(h, "[]")
			if strings.HasPrefix(name, "*") {
				name = "x" + name[1:]
			}
			if err := g.Cert.Leaf.VerifyHostname(name); err != nil {
				t.Fatalf("host %q accepted, but a client asking for %q cannot verify the certificate: %v", h, name, err)
			}
		}
	})
}
