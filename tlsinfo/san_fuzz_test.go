package tlsinfo

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzSANText: a subject alternative name goes into JSON (/info, /hellos)
// as its bare value and reads back from it, through MarshalText and
// UnmarshalText, as the same value; its String form carries the kind.
func FuzzSANText(f *testing.F) {
	for _, s := range []string{"localhost", "127.0.0.1", "::1", "spiffe://example.org/a", "a@b.example", "", "\"", "é", "\x00"} {
		f.Add("DNS", s)
	}
	f.Fuzz(func(t *testing.T, kind, value string) {
		if !utf8.ValidString(value) {
			return // JSON carries text; x509 gives names as UTF-8
		}
		in := SAN{Kind: kind, Value: value}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("marshal %+v: %v", in, err)
		}
		var out SAN
		if err := json.Unmarshal(b, &out); err != nil || out.Value != value {
			t.Fatalf("%+v went out as %s and came back as %+v (%v)", in, b, out, err)
		}
		if in.String() != kind+":"+value {
			t.Fatalf("String of %+v = %q", in, in.String())
		}
	})
}
