package certs

import (
	"slices"
	"strings"
	"testing"
)

// checkHostTests are names CheckHost takes (want "") or refuses, with a
// part of the refusal: each refusal says why, and a slip with one plain
// mend names it ("write ...").
var checkHostTests = []struct {
	name string
	host string
	want string
}{
	{"name", "echo.test", ""},
	{"name with an underscore", "under_score.example", ""},
	{"wildcard", "*.apps.test", ""},
	{"IPv4", "127.0.0.1", ""},
	{"IPv6", "::1", ""},
	{"IPv6 in brackets", "[::1]", ""},
	{"IPv4-mapped IPv6 in brackets", "[::ffff:127.0.0.1]", ""},
	{"host with port", "localhost:8443", "is not a host name or IP address (no scheme, port or path)"},
	{"URL", "https://a.example", "no scheme, port or path"},
	{"space", "a b", "no scheme, port or path"},
	{"unbalanced bracket", "[::1", `"[::1": unbalanced brackets; write "::1"`},
	{"closing bracket alone", "::1]", `unbalanced brackets; write "::1"`},
	{"double brackets", "[[::1]]", "brackets go around an IPv6 address alone, as in [::1]"},
	{"IPv4 in brackets", "[127.0.0.1]", `brackets go around an IPv6 address alone; write "127.0.0.1"`},
	{"name in brackets", "[localhost]", "brackets go around an IPv6 address alone, as in [::1]"},
	{"zoned address", "fe80::1%eth0", `a certificate cannot carry the zone "%eth0" of an IP address, and clients check the address without it: write "fe80::1"`},
	{"zoned address, bracket slip", "[fe80::1%eth0", `write "fe80::1"`},
	{"name with the root's dot", "a.example.", `ends with a dot; clients check the name without it: write "a.example"`},
	{"root's dot after a leading hyphen", "-a.example.", `"-a.example." ends with a dot; clients check the name without it, but "-a.example" is not a valid host name: the label "-a" begins or ends with a hyphen`},
	{"root's dot after an empty label", "a..example.", `"a..example." ends with a dot; clients check the name without it, but "a..example" is not a valid host name`},
	{"root's dot after an internationalized name", "é.", `"é." ends with a dot; clients check the name without it, but "é" is an internationalized name; certificates and browsers use its ASCII form: write "xn--9ca"`},
	{"the root alone", ".", `"." ends with a dot; clients check the name without it, but "" is not a valid host name`},
	{"too long", "x." + strings.Repeat("a", 252), "is longer than 253 characters"},
	{"not UTF-8", "\xff.example", "is not valid UTF-8"},
	{"internationalized", "Bücher.example", `is an internationalized name; certificates and browsers use its ASCII form: write "xn--bcher-kva.example"`},
	{"internationalized wildcard", "*.münchen.test", `write "*.xn--mnchen-3ya.test"`},
	{"internationalized, ideographic full stop", "bücher。example", `write "xn--bcher-kva.example"`},
	{"internationalized, no host name in ASCII either", "bü!cher.example", `its ASCII form "xn--b!cher-3ya.example" is not a valid host name either`},
	{"IPv4 out of range", "10.0.0.256", "is not an IP address, and a host name's last label is never all digits"},
	{"short IPv4", "127.1", "last label is never all digits"},
	{"empty label", "a..b", `"a..b" is not a valid host name`},
	{"label too long", strings.Repeat("a", 64) + ".example", "is not a valid host name"},
	{"bare star", "*", "is not a valid host name"},
	{"star inside", "a.*.example", "is not a valid host name"},
	{"star in a label", "*a.example", "is not a valid host name"},
	{"label begins with a hyphen", "-a.example", `the label "-a" begins or ends with a hyphen`},
	{"label ends with a hyphen", "a-.example", `the label "a-" begins or ends with a hyphen`},
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	for _, tt := range checkHostTests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckHost(tt.host)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckHost(%q) = %v, want nil", tt.host, err)
			case tt.want == "":
			case err == nil:
				t.Fatalf("CheckHost(%q) = nil, want an error saying %q", tt.host, tt.want)
			case !strings.Contains(err.Error(), tt.want):
				t.Fatalf("CheckHost(%q) = %q, want it to say %q", tt.host, err, tt.want)
			case strings.HasPrefix(err.Error(), "certs:"):
				// The surfaces put it after the flag or variable.
				t.Fatalf("CheckHost(%q) = %q, with a package prefix", tt.host, err)
			}
		})
	}
}

// TestGenerateRefusesWhatCheckHostRefuses: Generate made certificates for
// names no client asks for (localhost:8443, a.example., fe80::1%eth0,
// [[::1]]) when its caller had not checked them; now it refuses each with
// CheckHost's reason, and makes no key for it.
func TestGenerateRefusesWhatCheckHostRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range checkHostTests {
		if tt.want == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(GenerateOptions{Hosts: []string{"localhost", " " + tt.host + " "}})
			if err == nil {
				t.Fatalf("Generate made a certificate for %q", tt.host)
			}
			if want := "certs: generate: " + CheckHost(tt.host).Error(); err.Error() != want {
				t.Fatalf("Generate(%q) = %q, want %q", tt.host, err, want)
			}
		})
	}
}

func TestShallowWildcards(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		hosts []string
		want  []string
	}{
		{[]string{"*.localhost", "localhost", " *.test ", "*.wild.example"}, []string{`"*.localhost"`, `"*.test"`}},
		{[]string{"*.app.localhost", "a.example", "127.0.0.1"}, nil},
		{[]string{"*.com"}, []string{`"*.com"`}},
		{nil, nil},
	} {
		if got := ShallowWildcards(tt.hosts); !slices.Equal(got, tt.want) {
			t.Errorf("ShallowWildcards(%q) = %q, want %q", tt.hosts, got, tt.want)
		}
	}
}
