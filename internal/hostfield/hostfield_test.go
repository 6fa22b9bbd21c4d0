package hostfield

import "testing"

// fieldTests are Host fields, each with what Valid and Host make of it.
var fieldTests = []struct {
	v     string
	valid bool
	host  string
}{
	{"", true, ""},
	{"a", true, "a"},
	{"a:1", true, "a"},
	{"a:", true, "a"},
	{"a:01", true, "a"},
	{":80", true, ""},
	{"a.", true, "a."},
	{"A.EXAMPLE", true, "A.EXAMPLE"},
	{"under_score.example", true, "under_score.example"},
	{"xn--bcher-kva.example:443", true, "xn--bcher-kva.example"},
	{"127.0.0.1:8443", true, "127.0.0.1"},
	{"[::1]", true, "::1"},
	{"[::1]:8443", true, "::1"},
	{"[::1]:", true, "::1"},
	{"[::ffff:1.2.3.4]:1", true, "::ffff:1.2.3.4"},
	// Bytes net/http lets through in a Host but no host[:port]: Valid
	// refuses them, Host still reads a host where it can.
	{"a b:1", true, "a b"},
	{"é.example:1", true, "é.example"},
	{"::1", false, "::1"},
	{"[::1", false, "::1"},
	{"::1]", false, "::1"},
	{"[::1]x", false, "::1]x"},
	{"[::1]8443", false, "::1]8443"},
	{"[::1]:84a3", false, "::1"},
	{"[1.2.3.4]:5", false, "1.2.3.4"},
	{"[a]:1", false, "a"},
	{"[not-an-address]", false, "not-an-address"},
	{"[fe80::1%25lo]:1", false, "fe80::1%25lo"},
	{"[fe80::1%lo]:1", false, "fe80::1%lo"},
	{"[[::1]]:1", false, "[::1]]:1"},
	{"a]b", false, "a]b"},
	{"a[b", false, "a[b"},
	{"a:b", false, "a"},
	{"a:+1", false, "a"},
	{"a:1:2", false, "a:1:2"},
	{"localhost:port", false, "localhost"},
}

// TestField: what Valid and Host make of each of fieldTests.
func TestField(t *testing.T) {
	t.Parallel()
	for _, tt := range fieldTests {
		if got := Valid(tt.v); got != tt.valid {
			t.Errorf("Valid(%q) = %v, want %v", tt.v, got, tt.valid)
		}
		if got := Host(tt.v); got != tt.host {
			t.Errorf("Host(%q) = %q, want %q", tt.v, got, tt.host)
		}
	}
}
