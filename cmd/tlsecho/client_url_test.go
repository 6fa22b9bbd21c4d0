package main

import "testing"

// TestClientSpacedQuery: a fault spec with spaces in the URL, as the
// README allows them, reaches the server as that spec (the query is
// escaped for the request line) instead of splitting the request line.
func TestClientSpacedQuery(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	r := runClient(t, "", "-insecure", "wss://"+ta.HTTPSAddr+"/ws?fault=status: 503", "hi")
	r.want(t, exitFailure, nil, []string{"503"})
	r = runClient(t, "", "-insecure", "wss://"+ta.HTTPSAddr+"/ws?fault=frag: 2", "hello")
	r.want(t, exitOK, []string{"echo          hello", "3 frames"}, nil)
}

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
