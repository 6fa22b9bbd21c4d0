package tlsinfo

import (
	"crypto/tls"
	"crypto/x509"
	"slices"
	"strings"
)

// ecdheGroups12 are the groups crypto/tls takes for a TLS 1.2 ECDHE key
// exchange with its default preferences, which the server keeps (the
// post-quantum hybrids are TLS 1.3 only): x25519, secp256r1, secp384r1,
// secp521r1.
var ecdheGroups12 = []uint16{29, 23, 24, 25}

// noSharedGroup tells why a TLS 1.2 hello whose suites the server takes
// was refused "for want of a cipher suite": crypto/tls sets aside every
// ECDHE suite when the client's supported_groups share none with its
// own (no key exchange could be made), and says only that no suite is
// shared, beside a list of the client's suites in which a reader finds
// the server's own. It returns "" when that is not the cause: the hello
// offers TLS 1.3 (whose refusal is about its suites), no ECDHE suite, or
// a group the server takes.
func noSharedGroup(h *ClientHello) string {
	if slices.Contains(h.SupportedVersions, tls.VersionTLS13) {
		return ""
	}
	ecdhe := slices.ContainsFunc(h.CipherSuites, func(s uint16) bool {
		return strings.HasPrefix(CipherSuiteName(s), "TLS_ECDHE_")
	})
	if !ecdhe || slices.ContainsFunc(h.SupportedGroups, func(g uint16) bool { return slices.Contains(ecdheGroups12, g) }) {
		return ""
	}
	const need = "; its ECDHE suites need a group both sides take for the key exchange, and "
	server := offered(ecdheGroups12, GroupName)
	if groups := offered(h.SupportedGroups, GroupName); groups != "none" {
		return need + "the client's groups (" + groups + ") share none with the server's (" + server + ")"
	}
	// OpenSSL's TLS 1.2 hello has no supported_groups when none of its
	// groups is an elliptic curve (-groups ffdhe2048).
	return need + "the client offered no group (the server takes " + server + ")"
}

// wrongKey tells why a TLS 1.2 hello was refused "for want of a cipher
// suite" when its ECDHE suites all sign with the other kind of key than
// the server's certificate has: ECDHE_RSA suites need an RSA
// certificate, ECDHE_ECDSA ones an ECDSA (or Ed25519) one. The server's
// list holds both kinds, so a reader comparing the lists finds a shared
// suite and no reason. It returns "" when that is not the cause, or key
// is unknown (zero).
func wrongKey(h *ClientHello, key x509.PublicKeyAlgorithm) string {
	if key == x509.UnknownPublicKeyAlgorithm || slices.Contains(h.SupportedVersions, tls.VersionTLS13) {
		return ""
	}
	var rsa, ec bool
	for _, s := range h.CipherSuites {
		name := CipherSuiteName(s)
		rsa = rsa || strings.HasPrefix(name, "TLS_ECDHE_RSA_")
		ec = ec || strings.HasPrefix(name, "TLS_ECDHE_ECDSA_")
	}
	switch {
	case key == x509.RSA && ec && !rsa:
		return "; the server's certificate has an RSA key, and the client's ECDHE suites all need an ECDSA one"
	case key != x509.RSA && rsa && !ec:
		return "; the server's certificate has an " + key.String() + " key, and the client's ECDHE suites all need an RSA one"
	}
	return ""
}
