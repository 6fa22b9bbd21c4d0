package certs

import (
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestKeyProblems: a key file that crypto/tls only calls "failed to parse
// private key" (an encrypted key, an Ed448 or X25519 key, an EC key on a
// curve Go lacks) is refused with the reason in words, naming the file,
// at load and at reload, where the served pair stays. The keys are written
// by openssl, as an operator's would be.
func TestKeyProblems(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	dir := t.TempDir()
	s, certFile, keyFile := loadedPair(t, dir, "a.test")
	served := Fingerprint(s.Leaf().Raw)
	goodKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		openssl   []string // writes OUT
		wantInErr []string
	}{
		{"encrypted PKCS#8", []string{"pkey", "-in", keyFile, "-aes256", "-passout", "pass:secret", "-out", "OUT"},
			[]string{"is encrypted", "PKCS#8", "openssl pkey -in"}},
		{"encrypted traditional EC", []string{"ec", "-in", keyFile, "-aes256", "-passout", "pass:secret", "-out", "OUT"},
			[]string{"is encrypted", "Proc-Type: 4,ENCRYPTED"}},
		{"Ed448", []string{"genpkey", "-algorithm", "ed448", "-out", "OUT"},
			[]string{"Ed448", "cannot sign", "Ed25519"}},
		{"X25519", []string{"genpkey", "-algorithm", "x25519", "-out", "OUT"},
			[]string{"X25519", "cannot sign"}},
		{"secp256k1", []string{"ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "OUT"},
			[]string{"EC key does not parse", "unknown elliptic curve", "P-256"}},
		// The same curve as PKCS#8, what `openssl genpkey` writes: an EC
		// key, not a key of a type Go cannot serve.
		{"secp256k1 PKCS#8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", "OUT"},
			[]string{"EC key does not parse", "unknown elliptic curve", "P-256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "key.pem")
			args := append([]string(nil), tt.openssl...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = bad
				}
			}
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Skipf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			want := append([]string{"certs: load pair", certFile, bad}, tt.wantInErr...)
			_, err := LoadFiles(certFile, bad)
			if err == nil {
				t.Fatal("LoadFiles: no error")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			// Another surface (tlsecho cert -ca) words its own remedy.
			if encrypted := strings.HasPrefix(tt.name, "encrypted"); errors.Is(err, ErrEncryptedKey) != encrypted {
				t.Errorf("errors.Is(%q, ErrEncryptedKey) = %v, want %v", err, !encrypted, encrypted)
			}
		})
	}

	// The file the Source reads, replaced by an encrypted key: refused,
	// the pair served stays.
	encrypted := filepath.Join(dir, "enc.pem")
	if out, err := exec.Command(bin, "pkey", "-in", keyFile, "-aes256", "-passout", "pass:secret", "-out", encrypted).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	if err := os.Rename(encrypted, keyFile); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "is encrypted") {
		t.Errorf("Reload with an encrypted key: %v", err)
	}
	if got := Fingerprint(s.Leaf().Raw); got != served {
		t.Errorf("serving %s after a refused reload, want %s", got, served)
	}
	if err := os.WriteFile(keyFile, goodKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Errorf("Reload with the key back: %v", err)
	}
}

// TestKeyProblemDamagedRSA: a PKCS#8 RSA key that does not parse is
// called an RSA key that does not parse, not a key of a type Go cannot
// serve.
func TestKeyProblemDamagedRSA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, _, _ := writePair(t, dir, "cert", "a.test")
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1})
			b.AddASN1NULL()
		})
		b.AddASN1OctetString([]byte("not an RSAPrivateKey"))
	})
	keyFile := filepath.Join(dir, "damaged.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b.BytesOrPanic()}), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFiles(certFile, keyFile)
	if err == nil {
		t.Fatal("LoadFiles: no error")
	}
	if !strings.Contains(err.Error(), "RSA key does not parse") || strings.Contains(err.Error(), "cannot sign") {
		t.Errorf("error %q: want the RSA key named as not parsing, not its type as unserved", err)
	}
}

// TestUnservableKeys: a pair that crypto/tls loads but cannot sign a
// handshake with (an ECDSA key on P-224, an RSA key of 512 bits) is
// refused at load with the reason, rather than served to fail every
// handshake; a reload to such a pair keeps the pair served. The pairs
// are written by openssl.
func TestUnservableKeys(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	dir := t.TempDir()
	s, certFile, keyFile := loadedPair(t, dir, "localhost")
	served := Fingerprint(s.Leaf().Raw)
	for _, tt := range []struct {
		name      string
		newkey    []string
		wantInErr []string
	}{
		{"P-224", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-224"}, []string{"curve, P-224, cannot sign", "P-256"}},
		{"RSA 512", []string{"-newkey", "rsa:512"}, []string{"RSA key is 512 bits", "2048"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			c, k := filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")
			args := append([]string{"req", "-x509", "-nodes", "-subj", "/CN=localhost", "-days", "2", "-keyout", k, "-out", c}, tt.newkey...)
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Skipf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			_, err := LoadFiles(c, k)
			if err == nil {
				t.Fatal("LoadFiles: no error")
			}
			for _, w := range append([]string{"certs: load pair", k}, tt.wantInErr...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}

	// The served files replaced by a P-224 pair: refused, the pair stays.
	d := t.TempDir()
	c, k := filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")
	if out, err := exec.Command(bin, "req", "-x509", "-nodes", "-subj", "/CN=localhost", "-days", "2",
		"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-224", "-keyout", k, "-out", c).CombinedOutput(); err != nil {
		t.Skipf("openssl: %v\n%s", err, out)
	}
	if err := os.Rename(c, certFile); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(k, keyFile); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "P-224") {
		t.Errorf("Reload to a P-224 pair: %v", err)
	}
	if got := Fingerprint(s.Leaf().Raw); got != served {
		t.Errorf("serving %s after a refused reload, want %s", got, served)
	}
}
