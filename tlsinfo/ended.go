package tlsinfo

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// renegotiation is what crypto/tls says when a TLS 1.2 client sends a
// ClientHello after the handshake, asking to renegotiate (RFC 5246
// section 7.4.1.2): a server built on it cannot renegotiate, and it
// answers with a fatal unexpected_message alert, not the no_renegotiation
// warning of RFC 5746 section 4.4 (the alert is sealed inside crypto/tls,
// out of reach of anything around it).
const renegotiation = "received unexpected handshake message of type *tls.clientHelloMsg when waiting for *tls.helloRequestMsg"

// renegotiationWords say the same to someone reading a log.
const renegotiationWords = "client asked to renegotiate (a ClientHello after the TLS 1.2 handshake), " +
	"which this server does not do: connection ended with an unexpected_message alert"

// ErrRenegotiation is a connection ended after its client sent a
// handshake message after a TLS 1.2 handshake, for a server that sees the
// record go by but never sees crypto/tls's error (net/http drops such a
// connection without a word). A ClientHello asking to renegotiate is the
// one a client may send, and the one this names first, in the words Ended
// gives it; seen from outside crypto/tls, it is told from the others (a
// HelloRequest, which a client must not send, an empty record) only by
// its sealed length, so the words leave room for them.
var ErrRenegotiation = errors.New("client asked to renegotiate, or sent another handshake message after the TLS 1.2 handshake; " +
	"this server takes none: connection ended")

// goMessageType matches crypto/tls's Go type names of handshake messages
// ("*tls.clientHelloMsg", "*tls.certificateMsgTLS13").
var goMessageType = regexp.MustCompile(`\*tls\.([a-z][A-Za-z0-9]*?)Msg(?:TLS13)?\b`)

// messageNames puts the protocol's names of handshake messages
// ("ClientHello", "Certificate") where crypto/tls's errors have its own
// Go type names, which mean nothing to a reader of a log or of /hellos.
// crypto/tls names each type after the message, so the name is the
// type's with its first letter upper-case and its suffixes dropped.
func messageNames(s string) string {
	if !strings.Contains(s, "*tls.") {
		return s
	}
	return goMessageType.ReplaceAllStringFunc(s, func(m string) string {
		name := goMessageType.FindStringSubmatch(m)[1]
		r, size := utf8.DecodeRuneInString(name)
		return string(unicode.ToUpper(r)) + name[size:]
	})
}

// Ended words the error that ended an established connection for a log:
// what a client asked for that crypto/tls refuses is said in words, not
// in Go's type names. The result wraps err, so errors.Is still sees
// through it; nil gives nil.
func Ended(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	switch {
	case strings.Contains(s, renegotiation):
		s = strings.Replace(s, "tls: "+renegotiation, renegotiationWords, 1)
		s = strings.Replace(s, renegotiation, renegotiationWords, 1)
	default:
		s = messageNames(s)
	}
	if s == err.Error() {
		return err
	}
	return Reword(err, s)
}

// Reword returns err said as msg: its Error is msg, and errors.Is and
// errors.As still see err through it. For a library's error whose words
// mislead, where the whole of it must be said otherwise.
func Reword(err error, msg string) error { return &worded{msg: msg, err: err} }

// worded is an error said in other words, wrapping the original.
type worded struct {
	msg string
	err error
}

func (w *worded) Error() string { return w.msg }
func (w *worded) Unwrap() error { return w.err }
