package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

// TestEscape: only what does not print is escaped, to a \u escape (a
// surrogate pair past U+FFFF), and ASCII text comes back itself.
func TestEscape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{`{"a":"é漢字 ok"}`, `{"a":"é漢字 ok"}`},
		{"{\"a\":\"x\u202ey\"}", `{"a":"x\u202ey"}`},
		{"{\"a\":\"\u200b\u2066\u200f\"}", `{"a":"\u200b\u2066\u200f"}`},
		{"{\"a\":\"bye\x7fnow\"}", `{"a":"bye\u007fnow"}`},
		{"{\"a\":\"tag\U000e0041\"}", `{"a":"tag\udb40\udc41"}`},
	} {
		if got := string(Escape([]byte(tc.in))); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	in := []byte(`{"ascii":true}`)
	if out := Escape(in); &out[0] != &in[0] {
		t.Error("ASCII text was copied")
	}
}

// FuzzEscape: whatever a JSON encoder writes of a string, the escaped
// text is valid JSON, decodes to the same string, and holds no
// character that does not print.
func FuzzEscape(f *testing.F) {
	f.Add("evil\u202eexample")
	f.Add("bye\x7fnow\U000e0041")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		out := Escape(b)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q escaped to %q, which does not decode: %v", b, out, err)
		}
		var want string
		json.Unmarshal(b, &want)
		if back != want {
			t.Fatalf("%q escaped to %q, which decodes to %q, want %q", b, out, back, want)
		}
		if i := strings.IndexFunc(string(out), func(r rune) bool {
			return r == 0x7f || r >= 0x80 && r != unicode.ReplacementChar && !unicode.IsPrint(r)
		}); i >= 0 {
			t.Fatalf("%q escaped to %q, which holds a character that does not print at %d", b, out, i)
		}
	})
}
