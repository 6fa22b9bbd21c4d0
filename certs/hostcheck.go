package certs

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckHost reports whether h can go into a certificate's subject
// alternative names as a name a client will match: an IP address (in
// brackets or not; a SAN holds its bytes alone), or a DNS name of ASCII
// labels, with a leading "*." for a wildcard. Anything else would be
// written into the certificate as given and match no name a client ever
// asks for, or be refused by crypto/x509 in words that do not say why:
// a URL or host:port, a zoned address, a name with the root's dot, an
// internationalized name not yet in its "xn--" form. [Generate] refuses
// what it refuses.
//
// The error is a sentence about h alone, with no package prefix: each
// surface puts it after the flag or variable that gave the name. A slip
// with one plain mend (brackets, a zone, the root's dot, a name not in its
// ASCII form) is answered with what to write instead ("write ..."), and
// only with a value CheckHost takes.
func CheckHost(h string) error {
	if err := checkBrackets(h); err != nil {
		return err
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return nil
	}
	// fe80::1%eth0: the zone names an interface of one machine, which no
	// certificate can carry (a SAN holds the address's bytes alone), and
	// clients check the address without it.
	if addr, zone, ok := strings.Cut(strings.Trim(h, "[]"), "%"); ok && net.ParseIP(addr) != nil {
		return fmt.Errorf("%q: a certificate cannot carry the zone %q of an IP address, and clients check the address without it: write %q", h, "%"+zone, addr)
	}
	if strings.ContainsAny(h, ":/@?# ") {
		return fmt.Errorf("%q is not a host name or IP address (no scheme, port or path)", h)
	}
	if len(h) > 253 {
		return fmt.Errorf("%q is longer than 253 characters", h)
	}
	// A name with the root's dot would go into the certificate as written,
	// and clients, which check the name without it, would never match it.
	// The name without it is offered only when these checks take it;
	// otherwise its own refusal follows, so that the user is not sent
	// from one refusal to the next ("-a.example." to "-a.example").
	if strings.HasSuffix(h, ".") {
		bare := strings.TrimRight(h, ".")
		if err := CheckHost(bare); err != nil {
			return fmt.Errorf("%q ends with a dot; clients check the name without it, but %v", h, err)
		}
		return fmt.Errorf("%q ends with a dot; clients check the name without it: write %q", h, bare)
	}
	if strings.ContainsFunc(h, func(r rune) bool { return r >= utf8.RuneSelf }) {
		if !utf8.ValidString(h) {
			return fmt.Errorf("%q is not valid UTF-8", h)
		}
		// Certificates carry names in ASCII, and browsers look for the
		// "xn--" form of an internationalized name (RFC 5890): the name
		// as typed would match nothing. The form is given for the user to
		// confirm rather than used unseen, since ASCIIName does not apply
		// all of UTS #46. The form offered must pass these checks itself,
		// or the user would be sent from one refusal to the next.
		a := ASCIIName(h)
		if err := CheckHost(a); err != nil {
			return fmt.Errorf("%q is an internationalized name, but its ASCII form %q is not a valid host name either", h, a)
		}
		return fmt.Errorf("%q is an internationalized name; certificates and browsers use its ASCII form: write %q", h, a)
	}
	labels := strings.Split(h, ".")
	// No top-level domain is all digits (RFC 3696 section 2), and clients
	// read such a host as an IPv4 address (curl and browsers take 127.1
	// for 127.0.0.1) or refuse it: as a DNS name it would match nothing.
	if last := labels[len(labels)-1]; last != "" && strings.Trim(last, "0123456789") == "" {
		return fmt.Errorf("%q is not an IP address, and a host name's last label is never all digits", h)
	}
	for i, label := range labels {
		if label == "*" && i == 0 && len(labels) > 1 {
			continue
		}
		if label == "" || len(label) > 63 || strings.ContainsFunc(label, func(r rune) bool {
			return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return fmt.Errorf("%q is not a valid host name", h)
		}
		// RFC 1123 section 2.1: a label neither begins nor ends with a
		// hyphen. Such a name resolves nowhere, and "-hosts -a.example"
		// is more likely a flag taken for the value.
		if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("%q is not a valid host name: the label %q begins or ends with a hyphen", h, label)
		}
	}
	return nil
}

// checkBrackets accepts brackets only as a URL writes them, around an
// IPv6 address (RFC 3986 section 3.2.2): one pair, around the whole. The
// bare address is what goes into the certificate either way, but "[::1"
// or "[127.0.0.1]" are slips a user should hear of, not have read as
// something else.
func checkBrackets(h string) error {
	if !strings.ContainsAny(h, "[]") {
		return nil
	}
	inner, open := strings.CutPrefix(h, "[")
	inner, shut := strings.CutSuffix(inner, "]")
	addr, _, zoned := strings.Cut(inner, "%")
	ip := net.ParseIP(addr)
	switch {
	case zoned && ip != nil:
		// The zone's refusal follows (CheckHost) and names the bare
		// address: sending the user to write the zoned one, brackets
		// mended, would only lead to that refusal.
		return nil
	case !open || !shut || strings.ContainsAny(inner, "[]"):
		if ip != nil {
			return fmt.Errorf("%q: unbalanced brackets; write %q", h, inner)
		}
		return fmt.Errorf("%q is not a host name or IP address (brackets go around an IPv6 address alone, as in [::1])", h)
	case ip == nil:
		return fmt.Errorf("%q is not a host name or IP address (brackets go around an IPv6 address alone, as in [::1])", h)
	case !strings.Contains(addr, ":"):
		return fmt.Errorf("%q: brackets go around an IPv6 address alone; write %q", h, inner)
	}
	return nil
}

// ShallowWildcards returns, quoted, the hosts that are a wildcard over a
// single label (*.localhost, *.test, *.com), which a server certificate
// may carry but most clients refuse to match. Chrome takes the last label
// of a name it does not know the registry of for one, and refuses a
// wildcard over a registry; OpenSSL, and so curl, takes a wildcard only
// with two labels after it. A wildcard under two labels (*.app.localhost)
// both take, as mkcert warns too. Chrome refuses a public suffix of two
// labels (*.co.uk) as well, but telling those apart needs the public
// suffix list.
//
// It is for a warning, not a refusal, so [CheckHost] and [Generate] take
// such names: Go clients match them, and a client certificate's names are
// not matched against a host the client connects to at all.
func ShallowWildcards(hosts []string) []string {
	var wild []string
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if rest, ok := strings.CutPrefix(h, "*."); ok && !strings.Contains(rest, ".") {
			wild = append(wild, strconv.Quote(h))
		}
	}
	return wild
}
