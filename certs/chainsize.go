package certs

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// maxChainBytes is the largest Certificate handshake message OpenSSL
// accepts by default (SSL_MAX_CERT_LIST_DEFAULT, 100 KiB); BoringSSL, and
// so Chrome, has the same limit. A larger chain fails at every such client
// with "excessive message size" while the server sees only a broken
// handshake, and Go clients, which take up to 256 KiB, hide the problem
// from whoever tests with them. A leaf and its intermediates are a few
// KiB; what crosses the limit is a CA bundle appended to cert.pem.
const maxChainBytes = 100 << 10

// chainMessageBytes is the size of the TLS 1.3 Certificate message body
// that serves chain (RFC 8446 section 4.4.2): a context byte, the list
// length, and for each certificate its length and an empty extensions
// block. TLS 1.2 spends two bytes less per certificate.
func chainMessageBytes(chain [][]byte) int {
	n := 1 + 3
	for _, der := range chain {
		n += 3 + len(der) + 2
	}
	return n
}

// checkChainSize refuses a chain most clients would refuse.
func checkChainSize(cert *tls.Certificate, certFile string) error {
	n := chainMessageBytes(cert.Certificate)
	if n <= maxChainBytes {
		return nil
	}
	return fmt.Errorf("%s holds %s, %d KiB in the handshake: more than the %d KiB OpenSSL, curl and browsers accept; keep the certificate and its intermediates only (was a CA bundle appended?)",
		certFile, plural.Count(len(cert.Certificate), "certificate", "certificates"), (n+1023)>>10, maxChainBytes>>10)
}

// ErrTooManyHosts is matched (errors.Is) by the error of [Generate] when
// its hosts make a certificate larger than clients take in a handshake:
// the hosts are the caller's setting to name.
var ErrTooManyHosts = errors.New("certs: too many hosts for one certificate")

// tooManyHostsError says how large the certificate would be.
type tooManyHostsError struct{ hosts, kib int }

func (e *tooManyHostsError) Error() string {
	return fmt.Sprintf("%d hosts make a certificate of %d KiB in the handshake, more than the %d KiB OpenSSL, curl and browsers accept; give fewer (a wildcard such as *.example stands for every name under it)",
		e.hosts, e.kib, maxChainBytes>>10)
}

func (e *tooManyHostsError) Is(target error) bool { return target == ErrTooManyHosts }
