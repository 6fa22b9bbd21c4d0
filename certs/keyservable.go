package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
)

// minRSABits is the smallest RSA key crypto/rsa signs with (Go 1.24 and
// later, without GODEBUG=rsa1024min=0).
const minRSABits = 1024

// unservableKey says why a key that crypto/tls loads cannot sign a
// handshake, or returns "". tls.X509KeyPair takes an ECDSA key on P-224
// and an RSA key of 512 bits, and the server then starts and fails every
// handshake ("handshake failure" at the client, "unsupported certificate
// curve" or "key size too small" in the server's log): refused at load,
// the start and the reload say why instead.
func unservableKey(key crypto.PrivateKey) string {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return ""
		}
		return fmt.Sprintf("the key's curve, %s, cannot sign TLS handshakes in Go", k.Curve.Params().Name) + supported
	case *rsa.PrivateKey:
		if n := k.N.BitLen(); n < minRSABits {
			return fmt.Sprintf("the RSA key is %d bits, and Go signs with none under %d", n, minRSABits) + "; use an RSA key of 2048 bits or more, or ECDSA P-256"
		}
	}
	return ""
}
