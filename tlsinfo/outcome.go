package tlsinfo

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Outcome is "ok" or the failure in words. Where crypto/tls lists
// version or cipher suite numbers ("[301]", "[2f ff]"), the hello's are
// named instead; where it says only "EOF" (or that the connection was
// reset), who closed and when is said;
// where it says "error decoding message" of a hello with an extension
// sent twice or one whose contents it refuses, which one is said (and
// what is wrong with it); an SSLv2-compatible hello is said to be one;
// where a TLS 1.2 client is refused for want of a suite because it
// shares no group with the server, or offers suites for the other kind
// of certificate key, that is said; where none of the client's signature
// algorithms signs with the certificate's key, the key and the algorithms
// are named; a hello spread too thin to be described is said to be one,
// also behind "ok".
func (r *Record) Outcome() string {
	s := r.outcome()
	if r.HelloTooThin {
		s += "; the ClientHello is not described: " + strings.TrimPrefix(ErrHelloTooThin.Error(), "tlsinfo: ")
	}
	return s
}

func (r *Record) outcome() string {
	if s, ok := r.closedOutcome(); ok {
		return s
	}
	s := Outcome(r.Err)
	if r.Hello != nil && r.Hello.SSLv2 && r.Err != nil {
		return sslv2Outcome(r.Hello, s)
	}
	const unsupported = "client offered only unsupported versions"
	if r.Hello != nil && strings.HasPrefix(s, unsupported) {
		versions := r.Hello.SupportedVersions
		if versions == nil {
			versions = []uint16{r.Hello.LegacyVersion}
		}
		s = unsupported + ": " + offered(versions, VersionName)
	}
	if words, ok := r.Hello.extensionRefusal(); ok && strings.HasSuffix(s, "error decoding message") {
		s = words + " (" + s + ")"
	}
	if r.Hello != nil && strings.HasSuffix(s, noSignatureAlgorithm) {
		s += keyWithoutAlgorithm(r.Hello, r.CertificateKey, r.CertificateKeyName)
	}
	const noSuite = "no cipher suite supported by both client and server; client offered"
	if r.Hello != nil && strings.HasPrefix(s, noSuite) {
		s = noSuite + ": " + offered(r.Hello.CipherSuites, CipherSuiteName)
		if why := noSharedGroup(r.Hello); why != "" {
			s += why
		} else {
			s += wrongKey(r.Hello, r.CertificateKey)
		}
	}
	return s
}

// closedOutcome words a client that closed the connection during the
// handshake, which crypto/tls reports as Go's "EOF" or "unexpected EOF":
// a TCP probe of a load balancer, a client that gave up on the
// certificate without an alert, one cut off mid-hello. Whether its hello
// arrived tells these apart (a hello too thin to describe does not say).
// A client that closes with the server's answer still unread makes its
// kernel send a reset instead of a FIN (a scanner, a check that sends a
// hello and leaves; SO_LINGER 0 does the same), which crypto/tls passes on as Go's "read tcp A->B: read:
// connection reset by peer": that is a close too.
func (r *Record) closedOutcome() (string, bool) {
	if !errors.Is(r.Err, io.EOF) && !errors.Is(r.Err, io.ErrUnexpectedEOF) && !errors.Is(r.Err, syscall.ECONNRESET) {
		return "", false
	}
	if r.HelloTooThin {
		// Its hello was not read to the end here, and crypto/tls's EOF
		// does not say whether all of it came.
		return "client closed the connection during the handshake", true
	}
	if r.Hello == nil {
		return "client closed the connection before sending a whole ClientHello", true
	}
	return "client closed the connection after its ClientHello, before the handshake finished", true
}

// sslv2Outcome words the refusal of an SSLv2-compatible hello, which
// crypto/tls gives as "unsupported SSLv2 handshake received" (or, for a
// hello over 255 bytes, "first record does not look like a TLS
// handshake"): what the client sent, and that crypto/tls takes nothing
// but TLS records, with its words after.
func sslv2Outcome(h *ClientHello, words string) string {
	s := "client sent an SSLv2-compatible ClientHello (the SSL 2.0 format of RFC 5246 appendix E.2, offering " +
		offered([]uint16{h.LegacyVersion}, VersionName) + "), which crypto/tls refuses: it takes TLS records only (" + words + ")"
	switch {
	case h.sslv2Only == 1:
		s += "; 1 of its cipher specs is SSL 2.0's own, which TLS has no number for, and is not listed"
	case h.sslv2Only > 1:
		s += "; " + strconv.Itoa(h.sslv2Only) + " of its cipher specs are SSL 2.0's own, which TLS has no number for, and are not listed"
	}
	return s
}

// offered names the versions or cipher suites of a hello for an outcome,
// GREASE left out. A list of nothing but GREASE (a client exercising RFC
// 8701, or a broken one) is said so, with the values, rather than named
// as an empty list. A value without a name keeps its number (a TLS 1.3
// draft, 0x7f1c): crypto/tls's own words had it.
func offered(values []uint16, nameOf func(uint16) string) string {
	var names, grease []string
	for _, v := range values {
		switch name := nameOf(v); {
		case IsGREASE(v):
			grease = append(grease, "0x"+hex4(v))
		case name == "unknown":
			names = append(names, "unknown (0x"+hex4(v)+")")
		default:
			names = append(names, name)
		}
	}
	switch {
	case len(names) > MaxListed:
		// As the lists of /hellos are cut: a hello testing a server's
		// limits holds tens of thousands.
		return strings.Join(names[:MaxListed], ", ") + " and " + strconv.Itoa(len(names)-MaxListed) + " more"
	case len(names) > 0:
		return strings.Join(names, ", ")
	case len(grease) > 0:
		return "GREASE only (" + strings.Join(grease, ", ") + ")"
	}
	return "none"
}

// Outcome words a handshake's end: "ok" for nil, else the error without
// the "tls: " prefixes, which say nothing to a reader of /hellos.
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out: " + strings.TrimPrefix(err.Error(), "tls: ")
	}
	s := err.Error()
	s = strings.ReplaceAll(s, "tls: ", "")
	return s
}
