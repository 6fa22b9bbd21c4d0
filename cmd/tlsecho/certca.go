package main

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

	"github.com/tlsecho/tlsecho/certs"
)

// loadOrMakeCA reuses the CA in caPath and caKeyPath, or makes one when
// neither file exists. A CA already imported into trust stores must
// survive later runs, so it is never replaced, not even with -force.
func loadOrMakeCA(caPath, caKeyPath string, useRSA bool) (ca *tls.Certificate, created bool, err error) {
	_, certErr := os.Lstat(caPath)
	_, keyErr := os.Lstat(caKeyPath)
	switch {
	case certErr == nil && keyErr == nil:
		// The checks of the server's own pair: errors name the file and
		// say why (an encrypted ca-key.pem, a key of another CA), where
		// tls.LoadX509KeyPair says only "failed to parse private key".
		src, err := certs.LoadFiles(caPath, caKeyPath)
		if errors.Is(err, certs.ErrEncryptedKey) {
			// certs words it for the server's key; this one is the CA's,
			// and the way out is a command to run here.
			plain := filepath.Join(filepath.Dir(caKeyPath), "ca-plain.key")
			return nil, false, fmt.Errorf("the local CA key %s is encrypted, and encrypted keys are not supported (tlsecho cert cannot ask for a passphrase): "+
				"decrypt it with openssl pkey -in %s -out %s, then move %s over %s and keep it private (chmod 600)",
				caKeyPath, caKeyPath, plain, plain, caKeyPath)
		}
		if err != nil {
			return nil, false, fmt.Errorf("load the local CA: %w", err)
		}
		pair := src.Certificate()
		if !pair.Leaf.IsCA {
			return nil, false, fmt.Errorf("%s is not a CA certificate", caPath)
		}
		if time.Now().After(pair.Leaf.NotAfter) {
			return nil, false, fmt.Errorf("the local CA %s expired on %s; move ca.pem and ca-key.pem away to make a new one", caPath, pair.Leaf.NotAfter.Format(time.DateOnly))
		}
		// A CA made where the clock ran ahead: what it issues now fails
		// every client's check until then, whatever its own dates say.
		if now := time.Now(); now.Before(pair.Leaf.NotBefore) {
			return nil, false, fmt.Errorf("the local CA %s is not valid until %s (this machine's time is %s): a clock is wrong, here or where it was made; fix it, or move ca.pem and ca-key.pem away to make a new one",
				caPath, pair.Leaf.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		return pair, false, nil
	case certErr == nil:
		return nil, false, fmt.Errorf("%s exists without its key %s; restore the key or move ca.pem away to make a new CA", caPath, caKeyPath)
	case keyErr == nil:
		return nil, false, fmt.Errorf("%s exists without its certificate %s; restore it or move ca-key.pem away to make a new CA", caKeyPath, caPath)
	}
	g, err := certs.Generate(certs.GenerateOptions{
		IsCA:       true,
		RSA:        useRSA, // an old client that needs an RSA leaf may not verify an ECDSA signature either
		ValidFor:   caValidity,
		CommonName: caName(),
	})
	if err != nil {
		return nil, false, err
	}
	if err := writeFileAtomic(caKeyPath, g.KeyPEM, 0o600, false); err != nil {
		return nil, false, err
	}
	if err := writeFileAtomic(caPath, g.CertPEM, 0o644, false); err != nil {
		os.Remove(caKeyPath)
		return nil, false, err
	}
	return g.Cert, true, nil
}

// caName names the CA after the user and machine, as mkcert does, so it
// can be told apart (and removed) among the roots of a trust store, and
// ends it with a few random hex digits. Every -out DIR without a CA makes
// a new one, and two CAs of one name are two roots a trust store lists
// alike and verifiers take for each other: a server trusting one reported
// a client certificate of the other as "ECDSA verification failure while
// trying to verify candidate authority certificate", as if it had been
// tampered with, rather than as signed by an unknown authority.
//
// The whole stays within the 64 characters RFC 5280 allows a common name
// (ub-common-name, appendix A.1), which OpenSSL enforces when it writes a
// name ("string too long ... maxsize=64"): the user and host are cut
// short to fit, since an EC2 instance's host name alone is 43 characters,
// and the random digits are what tells one CA from another.
func caName() string {
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
