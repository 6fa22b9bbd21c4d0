package certs

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
)

// maxCANames bounds, in bytes, the names of the CAs in a client CA file
// as a handshake sends them: each CA's subject with its 2-byte length.
//
// The server's CertificateRequest names every CA of the pool
// (certificate_authorities, RFC 5246 section 7.4.4 and RFC 8446 section
// 4.2.4), and the list has one 2-byte length: 65,535 bytes at most. In TLS
// 1.3 the list shares that bound with the request's other extensions
// (signature_algorithms and the like, under a hundred bytes); 1 KiB is left
// for them. Past it crypto/tls fails every TLS 1.3 handshake with an error
// of its own ("cryptobyte: pending child length ... exceeds 2-byte length
// prefix") and writes TLS 1.2 requests whose lengths do not add up, so a
// file that does not fit is refused instead. A system bundle of 150 public
// roots takes about 15,000 bytes; this takes some 450 CAs of long names.
const maxCANames = 65535 - 1024

// loadClientCAs is loadCAs for the client CA file, whose CAs' names must
// also fit in a certificate request; a file of roots a client trusts
// ([ParseCAPEM]) is not sent anywhere and takes any number.
func loadClientCAs(file string) (*caPool, error) {
	p, err := loadCAs(file)
	if err != nil {
		return nil, err
	}
	if err := caNamesFit(file, p.cas); err != nil {
		return nil, err
	}
	return p, nil
}

// caNamesFit returns an error, naming file, when the names of cas would
// not fit in a certificate request. Identical certificates count once, as
// the pool holds them once.
func caNamesFit(file string, cas []*x509.Certificate) error {
	seen := make(map[[sha256.Size]byte]bool, len(cas))
	total := 0
	for _, c := range cas {
		sum := sha256.Sum256(c.Raw)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		total += 2 + len(c.RawSubject)
	}
	if total <= maxCANames {
		return nil
	}
	return fmt.Errorf("certs: %s: the names of its %d CA certificates take %d bytes, more than the %d a handshake's certificate request can carry, so every client would be refused; keep only the CAs that issue client certificates",
		file, len(seen), total, maxCANames)
}
