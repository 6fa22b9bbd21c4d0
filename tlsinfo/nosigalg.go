package tlsinfo

import (
	"crypto/x509"
	"slices"
	"strings"
)

// noSignatureAlgorithm is crypto/tls's refusal of a client none of whose
// signature_algorithms signs with the certificate's key.
const noSignatureAlgorithm = "peer doesn't support any of the certificate's signature algorithms"

// keyWithoutAlgorithm tells why a client was refused with
// noSignatureAlgorithm: the certificate's key, by its name (KeyName's,
// "ECDSA P-521"; its kind alone when name is empty), and the algorithms
// the client offered, where crypto/tls names neither. Browsers are
// refused so by an Ed25519 certificate, which none of them takes, and
// Chrome by an ECDSA P-521 one. It returns "" when key is unknown (zero).
func keyWithoutAlgorithm(h *ClientHello, key x509.PublicKeyAlgorithm, name string) string {
	if key == x509.UnknownPublicKeyAlgorithm {
		return ""
	}
	if name == "" {
		name = key.String()
	}
	curve, _ := strings.CutPrefix(name, "ECDSA ")
	if curve == name {
		curve = ""
	}
	s := "; the server's certificate has an " + name + " key, and none of the client's signature algorithms (" +
		offered(h.SignatureAlgorithms, SignatureSchemeName) + ") signs with it"
	switch key {
	case x509.Ed25519:
		s += ": no browser takes an Ed25519 certificate"
	case x509.ECDSA:
		// ECDSA schemes name their curve: one offered for another
		// curve than the key's leaves it unsigned, as Chrome's (P-256
		// and P-384) do for a P-521 key. Of another curve than P-521,
		// that says nothing.
		if slices.ContainsFunc(h.SignatureAlgorithms, isECDSAScheme) {
			s += ": its curve is none of theirs"
			if curve == "" || curve == "P-521" {
				s += ", and Chrome and Edge take no ECDSA P-521 certificate"
			}
		}
	}
	return s
}

// isECDSAScheme tells an ECDSA signature scheme (RFC 8446 section
// 4.2.3: 0x0403, 0x0503, 0x0603, and TLS 1.2's SHA-1 one, 0x0203).
func isECDSAScheme(v uint16) bool { return v&0xff == 0x03 && v>>8 >= 0x02 && v>>8 <= 0x06 }
