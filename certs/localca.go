package certs

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"
	"unicode/utf8"
)

// CAValidity is the lifetime of a local CA made by [LoadOrMakeCA].
// Browsers limit leaves, not locally trusted roots, and a CA that has
// been imported into trust stores should not expire soon; mkcert uses
// ten years too.
const CAValidity = 10 * 365 * 24 * time.Hour

// LoadOrMakeCA reuses the local CA in certFile and keyFile, or makes one
// (ECDSA P-256, or RSA with useRSA; valid for [CAValidity]; named by
// [CAName]) when neither file exists, and writes it there, the key
// first. A CA already imported into trust stores must survive later
// runs, so it is never replaced. A CA that is not one, has expired, is
// not valid yet, or has one of its two files missing is refused, saying
// what to do. An encrypted key is an error wrapping [ErrEncryptedKey],
// for the caller to say how to decrypt it.
func LoadOrMakeCA(certFile, keyFile string, useRSA bool) (ca *tls.Certificate, created bool, err error) {
	_, certErr := os.Lstat(certFile)
	_, keyErr := os.Lstat(keyFile)
	certName, keyName := filepath.Base(certFile), filepath.Base(keyFile)
	switch {
	case certErr == nil && keyErr == nil:
		// The checks of the server's own pair: errors name the file and
		// say why (an encrypted key, a key of another CA), where
		// tls.LoadX509KeyPair says only "failed to parse private key".
		src, err := LoadFiles(certFile, keyFile)
		if errors.Is(err, ErrEncryptedKey) {
			return nil, false, fmt.Errorf("certs: the local CA key %s: %w", keyFile, ErrEncryptedKey)
		}
		if err != nil {
			return nil, false, fmt.Errorf("certs: load the local CA: %w", err)
		}
		pair := src.Certificate()
		if !pair.Leaf.IsCA {
			return nil, false, fmt.Errorf("certs: %s is not a CA certificate", certFile)
		}
		if time.Now().After(pair.Leaf.NotAfter) {
			return nil, false, fmt.Errorf("certs: the local CA %s expired on %s; move %s and %s away to make a new one", certFile, pair.Leaf.NotAfter.Format(time.DateOnly), certName, keyName)
		}
		// A CA made where the clock ran ahead: what it issues now fails
		// every client's check until then, whatever its own dates say.
		if now := time.Now(); now.Before(pair.Leaf.NotBefore) {
			return nil, false, fmt.Errorf("certs: the local CA %s is not valid until %s (this machine's time is %s): a clock is wrong, here or where it was made; fix it, or move %s and %s away to make a new one",
				certFile, pair.Leaf.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), certName, keyName)
		}
		return pair, false, nil
	case certErr == nil:
		return nil, false, fmt.Errorf("certs: %s exists without its key %s; restore the key or move %s away to make a new CA", certFile, keyFile, certName)
	case keyErr == nil:
		return nil, false, fmt.Errorf("certs: %s exists without its certificate %s; restore it or move %s away to make a new CA", keyFile, certFile, keyName)
	}
	g, err := Generate(GenerateOptions{
		IsCA:       true,
		RSA:        useRSA, // an old client that needs an RSA leaf may not verify an ECDSA signature either
		ValidFor:   CAValidity,
		CommonName: CAName(),
	})
	if err != nil {
		return nil, false, err
	}
	if err := WriteFileAtomic(keyFile, g.KeyPEM, 0o600, false); err != nil {
		return nil, false, err
	}
	if err := WriteFileAtomic(certFile, g.CertPEM, 0o644, false); err != nil {
		os.Remove(keyFile)
		return nil, false, err
	}
	return g.Cert, true, nil
}

// CAName names a local CA after the user and machine, as mkcert does, so
// it can be told apart (and removed) among the roots of a trust store,
// and ends it with a few random hex digits. Every directory without a CA
// gets a new one, and two CAs of one name are two roots a trust store
// lists alike and verifiers take for each other: a server trusting one
// reported a client certificate of the other as "ECDSA verification
// failure while trying to verify candidate authority certificate", as if
// it had been tampered with, rather than as signed by an unknown
// authority.
//
// The whole stays within the 64 characters RFC 5280 allows a common name
// (ub-common-name, appendix A.1), which OpenSSL enforces when it writes a
// name ("string too long ... maxsize=64"): the user and host are cut
// short to fit, since an EC2 instance's host name alone is 43 characters,
// and the random digits are what tells one CA from another.
func CAName() string {
	const maxCommonName = 64
	name := "tlsecho local CA"
	suffix := " " + hex.EncodeToString(randomBytes(4))
	who, _ := os.Hostname()
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username + "@" + who
	}
	if room := maxCommonName - len(name) - len(" ") - len(suffix); utf8.RuneCountInString(who) > room {
		who = string([]rune(who)[:room])
	}
	if who != "" {
		name += " " + who
	}
	return name + suffix
}

// randomBytes returns n bytes from crypto/rand, which never fails.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
