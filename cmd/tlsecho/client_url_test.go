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
