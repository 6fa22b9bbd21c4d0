package certs

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
)

// BrowserKeyProblem says which browsers refuse leaf for the kind of its
// key, or returns "" when they all take it.
//
// A browser refuses a certificate whose key it cannot check a signature of:
// none offers Ed25519 in its signature_algorithms, and Chrome and Edge
// offer no ECDSA P-521 one (Firefox and Safari do). The server has no
// other certificate to offer them, so their handshakes fail
// (ERR_SSL_VERSION_OR_CIPHER_MISMATCH in Chrome), while curl, OpenSSL
// and Go clients, which take both, succeed: without a word at start, the
// two look like a server that works for some clients only.
func BrowserKeyProblem(leaf *x509.Certificate) string {
	switch k := leaf.PublicKey.(type) {
	case ed25519.PublicKey:
		return "its key is Ed25519, which no browser takes in a certificate"
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P521() {
			return "its key is ECDSA P-521, which Chrome and Edge do not take (Firefox and Safari do)"
		}
	}
	return ""
}

// BrowserKeyHint is the advice logged beside a BrowserKeyProblem.
const BrowserKeyHint = "their handshakes fail (Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH) while curl, OpenSSL and Go clients connect; for browsers, use an ECDSA P-256 or P-384 key, or RSA (tlsecho cert makes P-256)"
