package listener

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// maxNameInError bounds a certificate name put in an error: a client
// chooses its certificate's names, and the error is kept with the
// handshake's record for /hellos.
const maxNameInError = 256

// clientCertRefused names the client certificate a failed verification
// was about. crypto/tls says only "failed to verify certificate: x509:
// certificate signed by unknown authority", which reads the same for a
// certificate of a CA the server does not trust and for one of the right
// CA sent without the intermediate between them; whose certificate it
// was, its issuer and how many certificates the client sent tell them
// apart. Other errors are returned as they are.
func clientCertRefused(err error) error {
	if err != nil && strings.HasSuffix(err.Error(), noClientCert) {
		// Most often such a client holds a certificate, of another CA:
		// Go clients and browsers choose theirs by the CAs the server
		// names in its request (RFC 8446 section 4.3.2), and send none
		// when none of theirs was issued by one, where OpenSSL and curl
		// send theirs anyway and get "unknown CA". Said alone, crypto/tls's
		// words send the operator looking for a client without one.
		return fmt.Errorf("%w (browsers and Go clients send one only when a CA of the client CA file issued it)", err)
	}
	var ve *tls.CertificateVerificationError
	if !errors.As(err, &ve) || len(ve.UnverifiedCertificates) == 0 {
		return err
	}
	return &clientCertError{certs: ve.UnverifiedCertificates, reason: ve.Err, err: err}
}

// clientCertError is a refused client certificate, described. It wraps
// crypto/tls's error, so errors.As still finds the
// tls.CertificateVerificationError and x509's error within.
type clientCertError struct {
	certs  []*x509.Certificate // as the client sent them, leaf first
	reason error               // x509's words
	err    error               // crypto/tls's error
}

func (e *clientCertError) Error() string {
	leaf := e.certs[0]
	sent := "the only certificate sent"
	if n := len(e.certs); n > 1 {
		sent = fmt.Sprintf("%d certificates sent", n)
	}
	var ci x509.CertificateInvalidError
	reason := e.reason.Error()
	ends, notYet := validityEnd(e.reason)
	if ends != "" {
		reason = ends
	}
	msg := fmt.Sprintf("client certificate %s (issued by %s; %s) refused: %s",
		certName(leaf), printableName(leaf.Issuer.String()), sent, reason)
	var ua x509.UnknownAuthorityError
	switch {
	case len(e.certs) == 1 && errors.As(e.reason, &ua) && strings.Contains(ua.Error(), candidateRefused):
		// Nothing is missing: a CA of the name the leaf gives is there
		// and was refused, for the reason x509 gives in parentheses.
		// When its key does not verify the leaf's signature, say what
		// that usually means; a weak signature algorithm or a CA not
		// allowed to sign reads plainly enough.
		if why := ua.Error(); strings.Contains(why, "verification failure") || strings.Contains(why, "verification error") {
			msg += "; a client CA of that name is in the client CA file but did not sign it: the CA was made anew under the same name, or another CA shares its name"
		}
	case len(e.certs) == 1 && errors.As(e.reason, &ua) && tlsinfo.DescribeCertificate(leaf).SelfSigned:
		// No intermediate is missing here: a self-signed certificate
		// is trusted only as a CA of its own.
		msg += "; it is self-signed, so it is let in only when it is itself in the client CA file"
	case len(e.certs) == 1 && errors.As(e.reason, &ua):
		msg += "; the client sent no intermediate certificate, so its issuer must be one of the client CAs"
	case errors.As(e.reason, &ci) && ci.Reason == x509.Expired && ci.Cert != nil && !ci.Cert.Equal(leaf):
		// x509 gives the dates of the certificate out of date but not
		// whose they are, and after the client's name they read as its
		// own: a client CA that expired refuses every client it issued
		// this way.
		// A client may send its CA after its certificate (one made by
		// tlsecho cert -ca does): a self-signed copy is still the
		// client CA, not an intermediate.
		whose := "the client CA"
		if slices.ContainsFunc(e.certs[1:], ci.Cert.Equal) && !tlsinfo.DescribeCertificate(ci.Cert).SelfSigned {
			whose = "the intermediate the client sent,"
		}
		which := "out of date"
		if notYet {
			which = "not valid yet"
		}
		msg += fmt.Sprintf("; the certificate %s is not the client's but %s %s (valid from %s to %s)",
			which, whose, printableName(ci.Cert.Subject.String()),
			ci.Cert.NotBefore.UTC().Format(time.RFC3339), ci.Cert.NotAfter.UTC().Format(time.RFC3339))
	case errors.As(e.reason, &ci) && ci.Reason == x509.IncompatibleUsage:
		msg += "; its extended key usage does not allow client authentication"
	}
	return msg
}

func (e *clientCertError) Unwrap() error { return e.err }

// certName names a client certificate by its subject or, when that is
// empty, as it is in SPIFFE's X.509-SVIDs and other certificates made for
// services, by its first alternative name ("URI:spiffe://..."), which is
// then what identifies it.
func certName(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return printableName(s)
	}
	if sans := tlsinfo.DescribeCertificate(c).SANs; len(sans) > 0 {
		return printableName(sans[0].String())
	}
	return "with no subject and no alternative name"
}

// printableName is a certificate name with control characters replaced
// and cut to maxNameInError bytes.
func printableName(s string) string {
	if len(s) > maxNameInError {
		// Cut at a character's start: a character cut in two showed as
		// U+FFFD, past the bound.
		n := maxNameInError
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "..."
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// candidateRefused is in x509's UnknownAuthorityError when a CA of the
// issuer's name was found among the roots and refused as the issuer (its
// key did not verify the signature, say); x509 keeps that candidate and
// the reason unexported, so its words are what tells the case apart.
const candidateRefused = "while trying to verify candidate authority certificate"

// noClientCert ends crypto/tls's error for a client that sent no
// certificate where one is required; it has no error value to match.
const noClientCert = "client didn't provide a certificate"
