package listener

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzPrintableName: a client certificate's name, which the client
// wrote, goes into a refusal's log line with no control character, as
// valid UTF-8 when it was, cut at a character boundary to at most
// maxNameInError bytes and "...", and otherwise unchanged.
func FuzzPrintableName(f *testing.F) {
	for _, s := range []string{"CN=alice,O=example", "CN=a\nb", "CN=\x1b[2J", strings.Repeat("é", 200), strings.Repeat("a", 255) + "é",
		"URI:spiffe://example.org/ns/default/sa/web", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := printableName(s)
		if strings.ContainsFunc(out, unicode.IsControl) {
			t.Fatalf("printableName(%q) = %q, with a control character", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("printableName(%q) = %q, not UTF-8", s, out)
		}
		kept, cut := strings.CutSuffix(out, "...")
		if len(s) <= maxNameInError {
			cut, kept = false, out
		}
		if cut != (len(s) > maxNameInError) {
			t.Fatalf("printableName of %d bytes = %q", len(s), out)
		}
		if len(kept) > maxNameInError && utf8.ValidString(s) {
			t.Fatalf("printableName(%q) keeps %d bytes", s, len(kept))
		}
		want := strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return '?'
			}
			return r
		}, s)
		if utf8.ValidString(s) && !strings.HasPrefix(want, kept) {
			t.Fatalf("printableName(%q) = %q, not a prefix of %q", s, out, want)
		}
	})
}
