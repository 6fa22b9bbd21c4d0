package main

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSafeText: text a server wrote (a certificate's names, an HTTP
// answer) reaches the client's report as valid UTF-8 with no control
// character and no bidirectional control, so it can neither forge a line
// nor reorder what is shown; text that had none comes through unchanged,
// and making it safe twice changes nothing more.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"CN=echo.example", "a\r\nverified: yes", "\x1b[2J", "\u202egnp.exe", "\xff\xfe", "é\u200f",
		"\u0085", "\ufffd", "tab\there", "\\x1b", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safeText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("safeText(%q) = %q, not UTF-8", s, out)
		}
		if strings.ContainsFunc(out, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) {
			t.Fatalf("safeText(%q) = %q, with a control character", s, out)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
		}) && out != s {
			t.Fatalf("safeText(%q) = %q, but it was safe", s, out)
		}
		if again := safeText(out); again != out {
			t.Fatalf("safeText(%q) = %q, and again %q", s, out, again)
		}
		if len(out) > 12*len(s) {
			t.Fatalf("safeText(%q) is %d bytes from %d", s, len(out), len(s))
		}
	})
}

// FuzzPrintable: a message the client shows is either as it came, when it
// is UTF-8 with no control character, or quoted so that strconv.Unquote
// gives it back byte for byte.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"hello", "a\nb", "\x00", "\xff", "\u202e", "\"quoted\"", "`", "é"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := printable(b)
		if out == string(b) {
			if !utf8.Valid(b) || strings.ContainsFunc(out, unicode.IsControl) {
				t.Fatalf("printable(%q) shown as is", b)
			}
			return
		}
		back, err := strconv.Unquote(out)
		if err != nil || back != string(b) {
			t.Fatalf("printable(%q) = %s, which unquotes to %q (%v)", b, out, back, err)
		}
	})
}
