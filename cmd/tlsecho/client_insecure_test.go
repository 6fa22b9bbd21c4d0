package main

import (
	"testing"
)

// TestClientInsecureSaysWhatVerificationWould checks that the report's
// "verified" line under -insecure names the same cause as the run
// without it: for tlsecho's own in-memory certificate, that it is
// self-signed, rather than only that no root trusts it.
func TestClientInsecureSaysWhatVerificationWould(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	const cause = "certificate signed by unknown authority: the server's certificate is self-signed (CN=localhost,O=tlsecho), not issued by a CA of the system roots or -ca"
	for kind, u := range urls(ta) {
		t.Run(kind, func(t *testing.T) {
			runClient(t, "", u, "hi").want(t, exitFailure, nil, []string{"tlsecho client: " + cause + ";"})
			runClient(t, "", "-insecure", u, "hi").want(t, exitOK, []string{"verified      NO (-insecure); it would fail: " + cause + "\n"}, nil)
		})
	}
}
