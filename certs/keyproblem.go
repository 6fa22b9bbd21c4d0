package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrEncryptedKey is matched (errors.Is) by the error of a key file that
// is encrypted with a passphrase: nothing here can ask for one, so each
// surface words the remedy for the key it reads.
var ErrEncryptedKey = errors.New("certs: encrypted keys are not supported")

// encryptedKeyError is keyProblem's finding of an encrypted key, said
// for the server; it matches ErrEncryptedKey.
type encryptedKeyError struct{ msg string }

func (e *encryptedKeyError) Error() string        { return e.msg }
func (e *encryptedKeyError) Is(target error) bool { return target == ErrEncryptedKey }

// keyProblem says, in words, why the key file's contents cannot serve,
// or returns "" when it finds nothing more precise to say than
// crypto/tls did. tls.X509KeyPair answers an encrypted key, an Ed448 or
// DSA key, and an EC key on a curve Go lacks all alike with "failed to
// parse private key", which leaves the operator guessing; the first two
// are common (`openssl genpkey -aes256`, keys exported from Java or
// Windows), and each has its own remedy.
func keyProblem(keyPEM []byte, keyFile string) string {
	block, rest := keyBlock(keyPEM)
	if block == nil {
		// A key read while it is still being written: crypto/tls
		// says it found no PEM data, though a block has begun.
		if bytes.Contains(rest, []byte("-----BEGIN")) {
			return "its PEM block does not decode (cut short or corrupt)"
		}
		return ""
	}
	plain := "; the server cannot ask for a passphrase: write it unencrypted (openssl pkey -in " + keyFile + " -out NEW.pem) and keep that file private (mode 0600)"
	switch {
	case block.Type == "ENCRYPTED PRIVATE KEY":
		return "the key is encrypted (PKCS#8 with a passphrase)" + plain
	case encryptedBlock(block):
		// RFC 1421 encryption, as `openssl ec -aes256` or `openssl rsa
		// -aes256` still write it.
		return "the key is encrypted (Proc-Type: " + block.Headers["Proc-Type"] + ")" + plain
	case block.Type == "DSA PRIVATE KEY":
		return "DSA keys are not supported" + supported
	case block.Type == "PRIVATE KEY":
		return pkcs8Problem(block.Bytes)
	case block.Type == "EC PRIVATE KEY":
		// secp256k1 and the Brainpool curves: Go has none of them.
		if _, err := x509.ParseECPrivateKey(block.Bytes); err != nil {
			return fmt.Sprintf("the EC key does not parse (%v)", err) + supported
		}
	}
	return ""
}

// keyBlock returns the first PEM block of keyPEM that crypto/tls takes
// for the key, or nil and what follows the last block that decoded.
func keyBlock(keyPEM []byte) (block *pem.Block, rest []byte) {
	for rest = keyPEM; ; {
		if block, rest = pem.Decode(rest); block == nil {
			return nil, rest
		}
		if block.Type == "PRIVATE KEY" || strings.HasSuffix(block.Type, " PRIVATE KEY") {
			return block, rest
		}
	}
}

// encryptedBlock tells a key block encrypted with a passphrase: PKCS#8
// (RFC 5208 section 6), or RFC 1421's Proc-Type header, as `openssl ec
// -aes256` or `openssl rsa -aes256` still write it.
func encryptedBlock(block *pem.Block) bool {
	return block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED")
}

// encryptedKey tells a key file whose key is encrypted.
func encryptedKey(keyPEM []byte) bool {
	block, _ := keyBlock(keyPEM)
	return block != nil && encryptedBlock(block)
}

// supported lists the keys crypto/tls serves, for the messages above.
const supported = "; use an RSA, ECDSA (P-256, P-384, P-521) or Ed25519 key"

// keyAlgorithms names the PKCS#8 algorithms Go does not serve that
// openssl and other tools write (RFC 8410, RFC 3279).
var keyAlgorithms = map[string]string{
	"1.3.101.110":       "X25519",
	"1.3.101.111":       "X448",
	"1.3.101.113":       "Ed448",
	"1.2.840.10040.4.1": "DSA",
}

// pkcs8Problem names the algorithm of an unencrypted PKCS#8 key that Go
// cannot serve, or returns "".
func pkcs8Problem(der []byte) string {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err == nil {
		switch key.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return ""
		}
		// An X25519 key parses, as a *ecdh.PrivateKey, but only agrees
		// on keys: it cannot sign a handshake.
	}
	oid := pkcs8Algorithm(der)
	if n, ok := servedAlgorithms[oid]; ok && err != nil {
		// A type Go serves, so the type is not what is wrong: an EC key
		// on a curve Go lacks (`openssl genpkey -algorithm EC -pkeyopt
		// ec_paramgen_curve:secp256k1` writes PKCS#8), or a damaged key.
		return fmt.Sprintf("the %s key does not parse (%v)", n, err) + supported
	}
	name := "its algorithm"
	if oid != "" {
		name = oid
		if n, ok := keyAlgorithms[oid]; ok {
			name = n + " (" + oid + ")"
		}
	}
	if err != nil && name == "its algorithm" {
		return fmt.Sprintf("the key does not parse: %v", err)
	}
	return "the key's type, " + name + ", cannot sign TLS handshakes in Go" + supported
}

// servedAlgorithms names the PKCS#8 algorithms of the keys crypto/tls
// serves (RFC 8017, RFC 5480, RFC 8410).
var servedAlgorithms = map[string]string{
	"1.2.840.113549.1.1.1": "RSA",
	"1.2.840.10045.2.1":    "EC",
	"1.3.101.112":          "Ed25519",
}

// pkcs8Algorithm returns the algorithm OID of a PKCS#8 PrivateKeyInfo
// (RFC 5208 section 5), or "" when der is not one.
func pkcs8Algorithm(der []byte) string {
	s := cryptobyte.String(der)
	var info, algo cryptobyte.String
	var version int
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&info, cbasn1.SEQUENCE) ||
		!info.ReadASN1Integer(&version) ||
		!info.ReadASN1(&algo, cbasn1.SEQUENCE) ||
		!algo.ReadASN1ObjectIdentifier(&oid) {
		return ""
	}
	return oid.String()
}
