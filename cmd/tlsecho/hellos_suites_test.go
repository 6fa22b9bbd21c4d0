package main

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// TestHellosNoSharedSuite: a client refused for want of a shared cipher
// suite reads, in /hellos, the suites it offered by name, where
// crypto/tls gives bare hex ("[2f 35]").
func TestHellosNoSharedSuite(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	cfg := ta.clientTLS()
	cfg.MaxVersion = tls.VersionTLS12
	// RSA key exchange, which the server's ECDSA certificate cannot do.
	cfg.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA}
	peer, _, err := handshake(t, ta.TLSAddr, cfg)
	if err == nil {
		t.Fatal("the handshake succeeded without a shared cipher suite")
	}
	got := waitHellos(t, ta, "", 1)
	const want = "no cipher suite supported by both client and server; client offered: " +
		"TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA"
	if len(got) != 1 || got[0].Peer != peer || got[0].Outcome != want {
		t.Errorf("/hellos = %+v\nwant one entry from %s with outcome %q", got, peer, want)
	}
}

// TestHellosCCMSuitesNamed: the TLS 1.3 CCM suites, which OpenSSL offers
// when asked and Go does not do, are named in /hellos, in the outcome of
// the handshake they fail and in its cipher_suites, not "unknown".
func TestHellosCCMSuitesNamed(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_3",
		"-ciphersuites", "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256", "-servername", "localhost")
	cmd.Stdin = strings.NewReader("")
	cmd.Run()
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 {
		t.Fatalf("/hellos = %+v, want one entry", got)
	}
	const want = "no cipher suite supported by both client and server; client offered: " +
		"TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
	if got[0].Outcome != want {
		t.Errorf("outcome %q\nwant %q", got[0].Outcome, want)
	}
	var names []string
	for _, s := range got[0].CipherSuites {
		names = append(names, s.Name)
	}
	if !slices.Contains(names, "TLS_AES_128_CCM_SHA256") || !slices.Contains(names, "TLS_AES_128_CCM_8_SHA256") {
		t.Errorf("cipher_suites named %v", names)
	}
}

var hellosNoSharedGroupTests = []struct {
	name string
	args []string
	want string
}{
	{
		// A curve crypto/tls does not do.
		name: "x448",
		args: []string{"-groups", "X448"},
		want: "; its ECDHE suites need a group both sides take for the key exchange, and the client's groups " +
			"(x448) share none with the server's (x25519, secp256r1, secp384r1, secp521r1)",
	},
	{
		// In TLS 1.2 OpenSSL sends no supported_groups without an
		// elliptic curve among them.
		name: "no group",
		args: []string{"-groups", "ffdhe2048", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"},
		want: "client offered: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV; " +
			"its ECDHE suites need a group both sides take for the key exchange, and the client offered no group " +
			"(the server takes x25519, secp256r1, secp384r1, secp521r1)",
	},
}

// TestHellosNoSharedGroup: a TLS 1.2 client whose groups share none with
// the server's (openssl s_client -groups X448) offers suites the
// server takes, but crypto/tls sets every ECDHE suite aside without a
// group for the key exchange and says no suite is shared. The outcome
// in /hellos says that its groups are the cause, where it listed the
// shared suites as if none were.
func TestHellosNoSharedGroup(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	for _, tt := range hellosNoSharedGroupTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := append([]string{"s_client", "-connect", ta.TLSAddr, "-tls1_2", "-servername", "localhost"}, tt.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = strings.NewReader("")
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Fatalf("openssl connected without a shared group:\n%s", out)
			}
			got := waitHellos(t, ta, "", 1)
			const noSuite = "no cipher suite supported by both client and server; client offered: "
			if len(got) != 1 || !strings.HasPrefix(got[0].Outcome, noSuite) || !strings.HasSuffix(got[0].Outcome, tt.want) {
				t.Errorf("/hellos = %+v\nwant one entry with an outcome ending in %q", got, tt.want)
			}
		})
	}
}

var hellosWrongKeyTests = []struct {
	name   string
	rsa    bool // the server's certificate has an RSA key, not ECDSA
	cipher string
	want   string
}{
	{
		name: "RSA suites, ECDSA certificate", cipher: "ECDHE-RSA-AES128-GCM-SHA256",
		want: "client offered: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV; " +
			"the server's certificate has an ECDSA key, and the client's ECDHE suites all need an RSA one",
	},
	{
		name: "ECDSA suites, RSA certificate", rsa: true, cipher: "ECDHE-ECDSA-AES128-GCM-SHA256",
		want: "client offered: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV; " +
			"the server's certificate has an RSA key, and the client's ECDHE suites all need an ECDSA one",
	},
}

// TestHellosWrongKeySuites: a TLS 1.2 client offering only ECDHE suites
// signed with the other kind of key than the server's certificate has
// is refused for want of a suite, beside a list holding a suite the
// server's own list has too. The outcome says the certificate's key is
// the cause.
func TestHellosWrongKeySuites(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	for _, tt := range hellosWrongKeyTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var vars map[string]string
			if tt.rsa {
				gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}, RSA: true})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				vars = map[string]string{"CERT_FILE": filepath.Join(dir, "cert.pem"), "KEY_FILE": filepath.Join(dir, "key.pem")}
				if err := os.WriteFile(vars["CERT_FILE"], gen.CertPEM, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(vars["KEY_FILE"], gen.KeyPEM, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ta := startApp(t, vars)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_2", "-servername", "localhost",
				"-cipher", tt.cipher)
			cmd.Stdin = strings.NewReader("")
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Fatalf("openssl connected:\n%s", out)
			}
			got := waitHellos(t, ta, "", 1)
			if len(got) != 1 || !strings.HasSuffix(got[0].Outcome, tt.want) {
				t.Errorf("/hellos = %+v\nwant one entry with an outcome ending in %q", got, tt.want)
			}
		})
	}
}
