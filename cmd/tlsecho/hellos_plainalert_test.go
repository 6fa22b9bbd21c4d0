package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHellosUntrustedCertificateInWords: openssl s_client that does not
// trust the server's certificate refuses it over TLS 1.3 with an alert it
// sends before switching to encryption. crypto/tls, unable to decrypt
// it, says "bad record MAC"; /hellos and the debug log say instead that
// the client refused the handshake with unknown_ca, on both TLS ports.
func TestHellosUntrustedCertificateInWords(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	for _, tc := range []struct{ listener, addr string }{{"tls", ta.TLSAddr}, {"https", ta.HTTPSAddr}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", tc.addr, "-servername", "localhost",
			"-tls1_3", "-verify_return_error")
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		cancel()
		if err == nil {
			t.Fatalf("%s: openssl s_client took the self-signed certificate:\n%s", tc.listener, out)
		}
		const want = "client refused the handshake with an alert, unknown certificate authority (48), " +
			"sent unencrypted after the ServerHello, where TLS 1.3 encrypts it; crypto/tls cannot read it and says " +
			`"local error: bad record MAC". A client does so when it does not trust the server's certificate ` +
			"(curl and openssl s_client without the CA)"
		got := waitHellos(t, ta, "?listener="+tc.listener, 1)
		if len(got) != 1 || got[0].Outcome != want {
			t.Errorf("%s: /hellos = %+v\nwant one entry with outcome %q", tc.listener, got, want)
		}
	}
	if log := ta.Log.String(); !strings.Contains(log, "unencrypted after the ServerHello") {
		t.Errorf("the debug log does not say it in words:\n%s", log)
	}
}
