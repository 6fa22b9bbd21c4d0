package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyedPair writes a self-signed pair for localhost with a key of kind
// ("ed25519", "p521", "p384", "rsa2048" or "p256") into a directory of its
// own.
func keyedPair(t *testing.T, kind string) (certFile, keyFile string) {
	t.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case "ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case "p521":
		key, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "p384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa2048":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), kind)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestStartLogWarnsOfKeyBrowsersRefuse: a certificate whose key browsers
// do not take (Ed25519: none of them; ECDSA P-521: Chrome and Edge) is
// served with a warning at the start and at a reload, naming the key.
// Without it Chromium failed with ERR_SSL_VERSION_OR_CIPHER_MISMATCH and
// the server said nothing above debug level, while curl, OpenSSL and Go
// clients worked.
func TestStartLogWarnsOfKeyBrowsersRefuse(t *testing.T) {
	t.Parallel()
	const warning = "browsers refuse the certificate's key"
	for _, tt := range []struct {
		kind string
		want string // in the warning; "" for none
	}{
		{"ed25519", "Ed25519"},
		{"p521", "P-521"},
		{"p256", ""},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			certFile, keyFile := keyedPair(t, tt.kind)
			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
			waitLogged(t, ta, `msg="try it"`)
			line := ""
			for _, l := range strings.Split(ta.Log.String(), "\n") {
				if strings.Contains(l, warning) {
					line = l
				}
			}
			if tt.want == "" {
				if line != "" {
					t.Errorf("warned of a key browsers take: %s", line)
				}
				return
			}
			if !strings.Contains(line, "level=WARN") || !strings.Contains(line, tt.want) || !strings.Contains(line, "cert_file="+certFile) {
				t.Errorf("no warning naming %s and %s:\n%s", tt.want, certFile, ta.Log)
			}
		})
	}

	t.Run("reload", func(t *testing.T) {
		t.Parallel()
		certFile, keyFile := keyedPair(t, "p256")
		ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
		waitLogged(t, ta, `msg="try it"`)
		edCert, edKey := keyedPair(t, "ed25519")
		installByRename(t, edKey, keyFile)
		installByRename(t, edCert, certFile)
		line := waitLogged(t, ta, "reloaded certificate: "+warning)
		if !strings.Contains(line, "Ed25519") {
			t.Errorf("the reload's warning does not name the key: %s", line)
		}
	})
}

// TestHellosKeyNoSignatureAlgorithm: a client none of whose signature
// algorithms signs with the certificate's key, as a browser's against an
// Ed25519 certificate, is refused by crypto/tls with "peer doesn't support
// any of the certificate's signature algorithms", which leaves the reader
// to find the key and compare lists; the outcome in /hellos names the key
// and the client's algorithms.
func TestHellosKeyNoSignatureAlgorithm(t *testing.T) {
	t.Parallel()
	certFile, keyFile := keyedPair(t, "ed25519")
	ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
	o := refusedSigalgsOutcome(t, ta, chromeSigalgs)
	for _, want := range []string{"Ed25519 key", "ecdsa_secp256r1_sha256", "no browser"} {
		if !strings.Contains(o, want) {
			t.Errorf("outcome %q does not say %q", o, want)
		}
	}
}

// chromeSigalgs are Chrome's signature algorithms, in openssl's words:
// none is Ed25519, nor ECDSA with P-521.
const chromeSigalgs = "ECDSA+SHA256:RSA-PSS+SHA256:RSA+SHA256:ECDSA+SHA384:RSA-PSS+SHA384:RSA+SHA384:RSA-PSS+SHA512:RSA+SHA512"

// refusedSigalgsOutcome has openssl connect to ta's raw port over TLS 1.3
// offering only sigalgs, which the server must refuse, and returns the
// outcome /hellos gives for it. It skips the test without openssl.
func refusedSigalgsOutcome(t *testing.T, ta *testApp, sigalgs string) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_3", "-servername", "localhost", "-sigalgs", sigalgs)
	cmd.Stdin = strings.NewReader("")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("openssl connected:\n%s", out)
	}
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 {
		t.Fatalf("/hellos = %+v, want one entry", got)
	}
	return got[0].Outcome
}

// TestHellosECDSAKeyNoSignatureAlgorithm: against the default ECDSA P-256
// certificate, a client offering only RSA signature algorithms is told the
// key and its algorithms, and nothing of curves: it offered no ECDSA
// scheme whose curve could differ from the key's.
func TestHellosECDSAKeyNoSignatureAlgorithm(t *testing.T) {
	t.Parallel()
	o := refusedSigalgsOutcome(t, startApp(t, nil), "RSA-PSS+SHA256:RSA+SHA256")
	if !strings.Contains(o, "ECDSA P-256 key") || !strings.Contains(o, "rsa_pss_rsae_sha256") || strings.Contains(o, "curve is") {
		t.Errorf("outcome %q; want it to name the ECDSA P-256 key and the RSA algorithms offered, and no curve it is not", o)
	}
}

// TestHellosRSAKeyNoSignatureAlgorithm: against an RSA certificate, a
// client offering only ECDSA signature algorithms is told the key as
// every other surface names it, with its size ("RSA-2048"), not "RSA".
func TestHellosRSAKeyNoSignatureAlgorithm(t *testing.T) {
	t.Parallel()
	certFile, keyFile := keyedPair(t, "rsa2048")
	o := refusedSigalgsOutcome(t, startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile}), "ECDSA+SHA256:ECDSA+SHA384")
	if !strings.Contains(o, "has an RSA-2048 key") || !strings.Contains(o, "ecdsa_secp256r1_sha256") {
		t.Errorf("outcome %q; want it to name the RSA-2048 key and the ECDSA algorithms offered", o)
	}
}

// TestHellosCurveNoSignatureAlgorithm: against an ECDSA certificate, a
// TLS 1.3 client none of whose ECDSA schemes is for the key's curve is
// told that curve; P-521, which Chrome and Edge do not take, only for a
// P-521 key: the outcome said "Chrome and Edge take no ECDSA P-521
// certificate" for a P-384 key too.
func TestHellosCurveNoSignatureAlgorithm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ kind, sigalgs, key, offered string }{
		{"p384", "ECDSA+SHA256:RSA-PSS+SHA256", "ECDSA P-384 key", "ecdsa_secp256r1_sha256"},
		{"p521", chromeSigalgs, "ECDSA P-521 key", "ecdsa_secp384r1_sha384"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			certFile, keyFile := keyedPair(t, tt.kind)
			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
			o := refusedSigalgsOutcome(t, ta, tt.sigalgs)
			p521 := strings.Contains(o, "take no ECDSA P-521")
			if !strings.Contains(o, tt.key) || !strings.Contains(o, tt.offered) || !strings.Contains(o, "curve is none of theirs") || p521 != (tt.kind == "p521") {
				t.Errorf("outcome %q; want it to name the %s and %s, and Chrome's refusal of P-521 keys only for one", o, tt.key, tt.offered)
			}
		})
	}
}
