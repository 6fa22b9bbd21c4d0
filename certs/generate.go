package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// DefaultValidity is how long a generated certificate is valid when
// [GenerateOptions.ValidFor] is zero. Browsers refuse leaf certificates valid
// for more than 398 days (CA/Browser Forum baseline requirements, and Apple's
// limit since 2020), so a year stays clear of that.
const DefaultValidity = 365 * 24 * time.Hour

// backdate is how far NotBefore lies in the past, so that a client whose clock
// is a little behind does not reject a certificate made a second ago.
const backdate = time.Hour

// GenerateOptions describes a certificate for [Generate]. The zero value
// (with at least one host) gives an ECDSA P-256 self-signed leaf valid for
// [DefaultValidity].
type GenerateOptions struct {
	// Hosts are DNS names and IP addresses; each goes into the matching
	// subject alternative name field, which is what browsers check (they
	// ignore the common name since RFC 2818 deprecated it). Spaces around
	// a host are dropped and an empty one skipped; any other that
	// [CheckHost] refuses fails Generate.
	Hosts []string
	// RSA selects an RSA-2048 key instead of ECDSA P-256. RSA handshakes
	// cost about five times as much CPU; use it only for old clients.
	RSA bool
	// ValidFor is the validity period; zero means DefaultValidity.
	ValidFor time.Duration
	// IsCA makes a certificate authority that can sign leaves, not a leaf.
	IsCA bool
	// CommonName overrides the subject's common name (default: the first
	// host as its subject alternative name holds it, an IP address bare and
	// in its short form; "tlsecho local CA" for a CA).
	CommonName string
	// Parent, when set, signs the new certificate: it is issued by that CA
	// instead of being self-signed. Parent.Leaf must be set.
	Parent *tls.Certificate
}

// Generated is a certificate made by [Generate], in both parsed and PEM form.
type Generated struct {
	// Cert is ready to serve: Certificate holds the leaf (and the parent
	// when there is one), Leaf is parsed.
	Cert *tls.Certificate
	// CertPEM is the leaf certificate followed by the parent, if any.
	CertPEM []byte
	// KeyPEM is the private key in PKCS#8 form.
	KeyPEM []byte
}

// Generate makes a new key and certificate. It refuses a host that
// [CheckHost] refuses, before making the key: such a name would go into
// the certificate as given and match nothing a client asks for, so a
// program that passes names through unchecked learns of it at once, not
// from clients that cannot verify the server.
func Generate(opts GenerateOptions) (*Generated, error) {
	if len(opts.Hosts) == 0 && !opts.IsCA {
		return nil, errors.New("certs: generate: no hosts given")
	}
	for _, h := range opts.Hosts {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if err := CheckHost(h); err != nil {
			return nil, fmt.Errorf("certs: generate: %w", err)
		}
	}
	var key crypto.Signer
	var err error
	if opts.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, fmt.Errorf("certs: generate key: %w", err)
	}

	// RFC 5280 section 4.1.2.2: a positive serial of at most 20 octets.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("certs: generate serial: %w", err)
	}
	validFor := opts.ValidFor
	if validFor <= 0 {
		validFor = DefaultValidity
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validFor),
		BasicConstraintsValid: true,
	}
	first := "" // the first host as its SAN holds it
	// A host given twice, in any spelling (DNS names are case-blind;
	// [::1] and ::1 are one address), is one SAN: a repeat only makes
	// the certificate larger.
	seen := make(map[string]bool, len(opts.Hosts))
	for _, h := range opts.Hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		ip := net.ParseIP(strings.Trim(h, "[]"))
		if ip != nil {
			// The SAN holds the address's bytes: "[::1]" (a URL's form),
			// "2001:0db8::0001" and "::ffff:127.0.0.1" are written there
			// as ::1, 2001:db8::1 and 127.0.0.1, and so in the CN.
			h = ip.String()
		}
		key := strings.ToLower(h)
		if seen[key] {
			continue
		}
		seen[key] = true
		if ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
		if first == "" {
			first = h
		}
	}
	cn := opts.CommonName
	if cn == "" {
		if opts.IsCA {
			cn = "tlsecho local CA"
		} else {
			cn = first
		}
	}
	tmpl.Subject = pkix.Name{CommonName: cn, Organization: []string{"tlsecho"}}
	if opts.IsCA {
		tmpl.IsCA = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		tmpl.MaxPathLenZero = true
		// A subject key identifier lets clients match leaves to this CA.
		tmpl.SubjectKeyId = keyID(key.Public())
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		if opts.RSA {
			// RSA key exchange (TLS 1.2 without ECDHE) needs it; harmless otherwise.
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}

	parent, signer := tmpl, key
	if opts.Parent != nil {
		if opts.Parent.Leaf == nil {
			return nil, errors.New("certs: generate: parent certificate is not parsed")
		}
		ps, ok := opts.Parent.PrivateKey.(crypto.Signer)
		if !ok {
			return nil, errors.New("certs: generate: parent key cannot sign")
		}
		parent, signer = opts.Parent.Leaf, ps
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("certs: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: parse new certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: marshal key: %w", err)
	}
	chain := [][]byte{der}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if opts.Parent != nil {
		chain = append(chain, opts.Parent.Certificate[0])
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: opts.Parent.Certificate[0]})...)
	}
	// Each name costs its length and a few bytes: past some 7,000 the
	// certificate is more than clients take in a handshake, and a pair
	// loaded from files that large is refused (chainsize.go).
	if n := chainMessageBytes(chain); n > maxChainBytes {
		return nil, &tooManyHostsError{hosts: len(tmpl.DNSNames) + len(tmpl.IPAddresses), kib: (n + 1023) >> 10}
	}
	return &Generated{
		Cert:    &tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf},
		CertPEM: certPEM,
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// keyID is the SHA-256 of the public key, truncated to 20 bytes, as a
// subject key identifier (RFC 7093 section 2, method 1).
func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(der)
	return sum[:20]
}
