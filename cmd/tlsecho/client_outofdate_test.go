package main

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// TestClientRefusedByExpiredCA: a server answers a client certificate
// that is itself in date with certificate_expired when the client CA that
// issued it has expired; the client says its certificate is in date and
// points at the server's clock or the CA, not at renewing it.
func TestClientRefusedByExpiredCA(t *testing.T) {
	t.Parallel()
	caFile, client := expiredCA(t)
	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": caFile})
	keyDER, err := x509.MarshalPKCS8PrivateKey(client.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writeGenerated(t, t.TempDir(), "client", &certs.Generated{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: client.Certificate[0]}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	})
	r := runClient(t, "", "-insecure", "-cert", certFile, "-key", keyFile, urls(ta)["tls"], "hello")
	r.want(t, exitFailure, nil, []string{
		"it refused our client certificate from " + certFile + " (expired certificate), which is valid here from ",
		"the server's clock is wrong, or a CA or intermediate above it is out of date (the server's log names it)",
	})
}
