package main

import (
	"strings"
	"testing"
)

// TestClientOneByte: the client's report of a one-byte echo says "1
// byte", on both schemes; it said "1 bytes".
func TestClientOneByte(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for _, scheme := range []string{"tls", "wss"} {
		t.Run(scheme, func(t *testing.T) {
			r := runClient(t, "", "-insecure", urls(ta)[scheme], "x")
			r.want(t, 0, []string{"x  (1 byte, "}, nil)
			if strings.Contains(r.stdout, " 1 bytes") {
				t.Errorf("stdout says \"1 bytes\":\n%s", r.stdout)
			}
		})
	}
}
