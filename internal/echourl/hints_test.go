package echourl

import "testing"

// TestEscapeQuery: only what a query may not hold is escaped; escapes
// already written stay as they are.
func TestEscapeQuery(t *testing.T) {
	for in, want := range map[string]string{
		"fault=delay:100ms,close:4001@3": "fault=delay:100ms,close:4001@3",
		"fault=delay: 100ms, rst @ 3":    "fault=delay:%20100ms,%20rst%20@%203",
		"fault=close:4001:%C3%A9":        "fault=close:4001:%C3%A9",
		"fault=close:4001:é":             "fault=close:4001:%C3%A9",
		`a="<x>"#`:                       "a=%22%3Cx%3E%22%23",
		"":                               "",
	} {
		if got := escapeQuery(in); got != want {
			t.Errorf("escapeQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
