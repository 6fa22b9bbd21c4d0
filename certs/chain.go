package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// ChainProblem says why clients that build the chain only from what the
// server sends will fail to verify cert, or "" when nothing in the file
// shows it; [ChainHint] says what follows and what to do. Two mistakes show:
//
//   - The file holds the leaf alone although a leaf that names where its
//     issuer can be fetched (Authority Information Access, as every public
//     CA's do) was issued by an intermediate. Browsers fetch or carry
//     intermediates and accept it; curl, OpenSSL, Go, Java and most apps
//     do not. It is the usual "works in the browser, fails everywhere
//     else", and a test server that serves it silently hides it.
//   - The certificates after the leaf do not include its issuer: another
//     CA's intermediate, or the right name with a different key.
//
// A leaf issued straight by a private root (mkcert, `tlsecho cert -ca`)
// names no issuer URL and is complete alone, so it is not warned of. Like
// [DatesProblem], this only informs: the server serves what it was given.
func ChainProblem(cert *tls.Certificate) string {
	leaf := cert.Leaf
	if leaf == nil || SelfSigned(leaf) {
		return ""
	}
	rest := cert.Certificate[1:]
	if len(rest) == 0 {
		if len(leaf.IssuingCertificateURL) == 0 {
			return ""
		}
		return fmt.Sprintf("the file holds the leaf alone, without its issuer %q (the leaf names it at %s)",
			leaf.Issuer.String(), leaf.IssuingCertificateURL[0])
	}
	for _, der := range rest {
		c, err := x509.ParseCertificate(der)
		if err == nil && leaf.CheckSignatureFrom(c) == nil {
			return ""
		}
	}
	return fmt.Sprintf("none of the %d certificate(s) after the leaf in the file issued it; its issuer is %q",
		len(rest), leaf.Issuer.String())
}

// SelfSigned reports whether c signed itself: same subject and issuer,
// and its own key verifies its signature; a certificate that needs no
// issuer. CheckSignatureFrom would refuse a self-signed leaf that is not
// a CA, as the one tlsecho makes at start is not, so the signature is
// checked directly.
func SelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// ChainHint is what follows from a [ChainProblem] and what to do, for the
// warning's hint.
const ChainHint = "clients that do not fetch intermediates (curl, OpenSSL, Go, Java, most apps; not browsers) will fail to verify it; put the leaf's issuer after it in the certificate file, as a CA's fullchain.pem does"
