package tlsinfo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// Certificate describes an X.509 certificate the way every surface shows
// it: the client's printout, /info, `tlsecho cert`. The JSON names are
// what the page reads.
type Certificate struct {
	// Subject and Issuer are distinguished names as pkix.Name.String
	// writes them (RFC 2253: "CN=localhost,O=tlsecho").
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// SANs are the subject alternative names: DNS names, then IP
	// addresses, URIs and e-mail addresses. They, not the common name,
	// are what clients match (RFC 2818 deprecated the common name).
	SANs []SAN `json:"sans"`
	// NotBefore and NotAfter bound the validity, in UTC.
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// SHA256 is the fingerprint of the DER certificate, lower-case hex
	// without separators.
	SHA256 string `json:"sha256"`
	// SelfSigned tells a certificate that signed itself, which no client
	// trusts until told to.
	SelfSigned bool `json:"self_signed"`
	// Key names the public key: "ECDSA P-256", "RSA-2048", "Ed25519".
	Key string `json:"key"`
	// Signature is the algorithm the issuer signed with ("ECDSA-SHA256").
	Signature string `json:"signature"`
}

// SAN is one subject alternative name. In JSON it is the bare value
// ("localhost"); its String form carries the kind ("DNS:localhost"), as
// openssl x509 -text prints it.
type SAN struct {
	Kind  string // "DNS", "IP", "URI" or "email"
	Value string // the name, address, URI or e-mail address as text
}

// String returns "KIND:value".
func (s SAN) String() string { return s.Kind + ":" + s.Value }

// MarshalText encodes the bare value.
func (s SAN) MarshalText() ([]byte, error) { return []byte(s.Value), nil }

// UnmarshalText decodes a bare value; the kind is not known then.
func (s *SAN) UnmarshalText(b []byte) error {
	s.Value = string(b)
	return nil
}

// DescribeCertificate describes c; nil gives nil.
func DescribeCertificate(c *x509.Certificate) *Certificate {
	if c == nil {
		return nil
	}
	var sans []SAN
	for _, n := range c.DNSNames {
		sans = append(sans, SAN{"DNS", n})
	}
	for _, ip := range c.IPAddresses {
		sans = append(sans, SAN{"IP", ip.String()})
	}
	for _, u := range c.URIs {
		sans = append(sans, SAN{"URI", u.String()})
	}
	for _, e := range c.EmailAddresses {
		sans = append(sans, SAN{"email", e})
	}
	return &Certificate{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		SANs:       sans,
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		SHA256:     certs.Fingerprint(c.Raw),
		SelfSigned: certs.SelfSigned(c),
		Key:        KeyName(c.PublicKey),
		Signature:  c.SignatureAlgorithm.String(),
	}
}

// KeyName names a public key type and size the way people ask for one:
// "ECDSA P-256", "RSA-2048", "Ed25519".
func KeyName(pub any) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	case nil:
		return "none"
	}
	return fmt.Sprintf("%T", pub)
}

// SANStrings is the names in their "KIND:value" form, in the
// certificate's order.
func (c *Certificate) SANStrings() []string {
	s := make([]string, len(c.SANs))
	for i, san := range c.SANs {
		s[i] = san.String()
	}
	return s
}

// Names is the values of the SANs of one kind ("DNS", "IP"), in the
// certificate's order.
func (c *Certificate) Names(kind string) []string {
	var names []string
	for _, san := range c.SANs {
		if san.Kind == kind {
			names = append(names, san.Value)
		}
	}
	return names
}

// HostNames are the DNS names and IP addresses, the SANs a TLS client
// checks a host name against; none for a nil Certificate.
func (c *Certificate) HostNames() []string {
	if c == nil {
		return nil
	}
	var names []string
	for _, san := range c.SANs {
		if san.Kind == "DNS" || san.Kind == "IP" {
			names = append(names, san.Value)
		}
	}
	return names
}

// SHA256Colons is the fingerprint in the upper-case colon form that
// openssl x509 -fingerprint prints, so the two can be compared by eye.
func (c *Certificate) SHA256Colons() string {
	h := strings.ToUpper(c.SHA256)
	var b strings.Builder
	for i := 0; i+1 < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
