package certs

import "testing"

// asciiNameTests are from RFC 3492 section 7.1 (lowercased, since
// ASCIIName lowercases) and names checked against browsers' address bars.
var asciiNameTests = []struct {
	name, in, want string
}{
	{"ascii unchanged", "Localhost.Example", "Localhost.Example"},
	{"German", "bücher.example", "xn--bcher-kva.example"},
	{"uppercase folded", "MÜNCHEN.de", "xn--mnchen-3ya.de"},
	{"wildcard kept", "*.bücher.example", "*.xn--bcher-kva.example"},
	{"RFC 3492 (A) Arabic", "ليهمابتكلموشعربي؟", "xn--egbpdaj6bu4bxfgehfvwxn"},
	{"RFC 3492 (B) Chinese", "他们为什么不说中文", "xn--ihqwcrb4cv8a8dqg056pqjye"},
	{"RFC 3492 (L) mixed", "3年B組金八先生", "xn--3b-ww4c5e180e575a65lsy2b"},
	{"RFC 3492 (Q) Japanese", "ひとつ屋根の下2", "xn--2-u9tlzr9756bt3uc0v"},
	{"emoji", "☃.net", "xn--n3h.net"},
	// Typed with an East Asian input method: the ideographic, full-width
	// and half-width full stops separate labels, full-width letters are
	// ASCII (RFC 3490 section 3.1, UTS #46).
	{"ideographic full stop", "bücher。example", "xn--bcher-kva.example"},
	{"half-width ideographic full stop", "bücher｡example", "xn--bcher-kva.example"},
	{"full-width letters and stop", "ｂüｃｈｅｒ．ＥＸＡＭＰＬＥ", "xn--bcher-kva.EXAMPLE"},
}

func TestASCIIName(t *testing.T) {
	t.Parallel()
	for _, tt := range asciiNameTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ASCIIName(tt.in); got != tt.want {
				t.Errorf("ASCIIName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
