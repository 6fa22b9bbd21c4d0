package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
)

// ownCertDoubt names what in our own client certificate a server refuses
// whatever CA it trusts, or "" when the certificate shows nothing of the
// kind. The server's alert (bad_certificate, unknown_ca) says only that
// it refused, and the usual question, whether a CA the server trusts
// signed it, would send the user the wrong way when the certificate
// cannot pass anywhere:
//   - an extended key usage without clientAuth (a server certificate
//     passed with -cert): RFC 5280 section 4.2.1.12 keeps it from client
//     authentication, and crypto/tls refuses it;
//   - a signature with SHA-1 or MD5 on it or an intermediate sent with
//     it: crypto/tls refuses those as insecure (and answers unknown_ca),
//     as does OpenSSL at its default security level.
//
// A self-signed certificate in the chain (a root sent along) is skipped:
// no one checks a root's signature on itself.
func ownCertDoubt(cert *tls.Certificate) string {
	for i, der := range cert.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		if i == 0 && len(c.ExtKeyUsage) > 0 &&
			!slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
			return "its extended key usage lacks clientAuth (TLS Web Client Authentication), so no server takes it for a client; issue one for clients (tlsecho cert -client)"
		}
		if i > 0 && bytes.Equal(c.RawIssuer, c.RawSubject) {
			continue
		}
		switch c.SignatureAlgorithm {
		case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
			what := "it is"
			if i > 0 {
				what = fmt.Sprintf("the intermediate sent with it, %s, is", c.Subject)
			}
			return fmt.Sprintf("%s signed with %s, which servers refuse as insecure whatever CA they trust (Go always, OpenSSL at its default level); have it signed again with SHA-256", what, c.SignatureAlgorithm)
		}
	}
	return ""
}
