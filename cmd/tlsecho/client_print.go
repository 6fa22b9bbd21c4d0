package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// expiryWarning is how close to expiry a certificate gets a warning:
// ACME clients renew 30 days ahead, so a certificate inside that window
// means renewal is failing.
const expiryWarning = 30 * 24 * time.Hour

// keyWidth aligns the values of the report into one column.
const keyWidth = 13

// reportPrinter writes the readable report: titled sections of
// "key   value" lines.
type reportPrinter struct {
	w       io.Writer
	started bool
}

func newReportPrinter(w io.Writer) *reportPrinter { return &reportPrinter{w: w} }

func (p *reportPrinter) section(title string) {
	if p.started {
		fmt.Fprintln(p.w)
	}
	p.started = true
	fmt.Fprintln(p.w, title)
}

// kv prints one line; indent is the prefix (which may carry a chain index).
// The value may come from the server (a certificate's names, the upgrade's
// status), so it is printed with safeText.
func (p *reportPrinter) kv(indent, key, value string) {
	fmt.Fprintf(p.w, "%s%-*s %s\n", indent, keyWidth, key, safeText(value))
}

// safeText is s with every character that could act on a terminal or
// break the line written as an escape: control characters (C0, DEL and
// C1, CR and LF among them: a name with "\r\n" would forge a line of the
// report), the bidirectional controls that reorder what is shown, and
// bytes that are not UTF-8. Certificates and HTTP answers are the
// server's to write, and a hostile one may put anything in them.
func safeText(s string) string {
	unsafe := func(r rune) bool {
		return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	}
	if !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxChainShown bounds the certificates printed: crypto/tls takes a
// chain of up to 256 KiB, some hundreds of certificates, and printing
// them all would bury the rest of the report.
const maxChainShown = 10

// chain prints the certificates as the server sent them, leaf first, the
// first maxChainShown of them and a count of the rest.
func (p *reportPrinter) chain(certs []*x509.Certificate, now time.Time) {
	noun := "certificates"
	if len(certs) == 1 {
		noun = "certificate"
	}
	p.section(fmt.Sprintf("certificate chain (%d %s, as sent by the server)", len(certs), noun))
	for i, cert := range certs {
		if i == maxChainShown {
			p.kv("    ", "not shown", fmt.Sprintf("%d more certificates: a server needs to send only its own and the intermediates up to a root, rarely more than a few",
				len(certs)-i))
			break
		}
		first := fmt.Sprintf("%3d ", i)
		const rest = "    "
		d := tlsinfo.DescribeCertificate(cert)
		issuer := d.Issuer
		if d.SelfSigned {
			issuer += " (self-signed)"
		}
		p.kv(first, "subject", d.Subject)
		p.kv(rest, "issuer", issuer)
		p.kv(rest, "SANs", orNone(fewNames(d.SANStrings())))
		p.kv(rest, "valid", validity(cert, now))
		p.kv(rest, "key", d.Key)
		p.kv(rest, "signature", d.Signature)
		p.kv(rest, "SHA-256", d.SHA256Colons())
	}
}

// printReport prints the chain, the TLS parameters and, for wss, the
// upgrade response.
func (c *client) printReport(state tls.ConnectionState, resp *http.Response, ws *websocket.Conn) {
	p := newReportPrinter(c.stdout)
	p.chain(state.PeerCertificates, time.Now())

	p.section("connection")
	const in = "  "
	p.kv(in, "address", fmt.Sprintf("%s (TCP connect %s)", c.remote, fmtDur(c.connectTime)))
	if c.proxyClient != "" {
		p.kv(in, "PROXY header", "v2, naming client "+c.proxyClient)
	}
	conn := tlsinfo.DescribeConnection(&state)
	p.kv(in, "version", conn.Version)
	p.kv(in, "cipher", conn.Cipher)
	if conn.KeyExchange != "" {
		p.kv(in, "key exchange", conn.KeyExchange)
	}
	p.kv(in, "ALPN", orNone(conn.ALPN))
	p.kv(in, "resumed", yesNo(conn.Resumed))
	p.kv(in, "handshake", fmtDur(c.handshakeTime))
	sni := c.serverName()
	if net.ParseIP(sni) != nil {
		sni = "(none: " + sni + " is an IP address, checked against the IP SANs)"
	}
	p.kv(in, "SNI", sni)
	p.kv(in, "verified", c.verification(state))
	p.kv(in, "client cert", c.clientCertLine())

	c.printHello(p)

	if resp != nil {
		p.section("websocket")
		p.kv(in, "status", resp.Status)
		p.kv(in, "upgrade", fmtDur(c.upgradeTime))
		p.kv(in, "subprotocol", orNone(ws.Subprotocol()))
		p.kv(in, "extensions", orNone(strings.Join(resp.Header.Values("Sec-WebSocket-Extensions"), ", ")))
	}
}

// verification says whether the chain was verified and against what; with
// -insecure it still says what verification would have found, so the
// flag does not hide a problem.
func (c *client) verification(state tls.ConnectionState) string {
	if !c.o.insecure {
		if len(state.VerifiedChains) == 0 {
			return "yes"
		}
		ch := state.VerifiedChains[0]
		return "yes, up to " + ch[len(ch)-1].Subject.String()
	}
	if len(state.PeerCertificates) == 0 {
		return "NO (-insecure)"
	}
	inter := x509.NewCertPool()
	for _, cert := range state.PeerCertificates[1:] {
		inter.AddCert(cert)
	}
	_, err := state.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots:         c.o.roots,
		Intermediates: inter,
		DNSName:       c.serverName(),
	})
	if err != nil {
		// Wrapped as crypto/tls wraps it in a handshake, so that the
		// causes read from what the server sent (a self-signed
		// certificate, one sent alone) are named as without -insecure.
		msg, _, ok := verifyMessage(&tls.CertificateVerificationError{UnverifiedCertificates: state.PeerCertificates, Err: err})
		if !ok {
			msg = err.Error()
		}
		return "NO (-insecure); it would fail: " + msg
	}
	return "NO (-insecure); it would pass"
}

func (c *client) clientCertLine() string {
	switch {
	case !c.clientCertRequested && c.o.clientCert == nil:
		return "not requested"
	case !c.clientCertRequested:
		return "not requested; " + c.o.certFile + " not sent"
	case c.o.clientCert == nil:
		return "REQUESTED but none given (pass -cert and -key)"
	}
	subject := c.o.certFile
	if leaf := c.o.clientCert.Leaf; leaf != nil {
		subject = leaf.Subject.String()
	}
	return "requested; sent " + subject
}

// validity is the validity period with a warning when the certificate is
// not valid yet, has expired, or expires within expiryWarning.
func validity(cert *x509.Certificate, now time.Time) string {
	s := fmtTime(cert.NotBefore) + " to " + fmtTime(cert.NotAfter)
	left := cert.NotAfter.Sub(now)
	switch {
	case now.Before(cert.NotBefore):
		return s + " (WARNING: not valid yet, starts in " + fmtAge(cert.NotBefore.Sub(now)) + ")"
	case left < 0:
		return s + " (WARNING: EXPIRED " + fmtAge(-left) + " ago)"
	case left < expiryWarning:
		return s + " (WARNING: expires in " + fmtAge(left) + ")"
	}
	return s + " (" + fmtAge(left) + " left)"
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// fmtAge is a rough duration for people: days when it is days.
func fmtAge(d time.Duration) string {
	switch days := int(d.Hours() / 24); {
	case days == 1:
		return "1 day"
	case days > 1:
		return fmt.Sprintf("%d days", days)
	}
	return d.Round(time.Second).String()
}

// fmtDur rounds a measured duration to what is worth reading.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// maxNamesShown bounds the names listed from one certificate: a server
// may send one with thousands, and a terminal full of them hides the
// rest of the report (or of the one-line error).
const maxNamesShown = 20

// fewNames joins names with ", ", the first maxNamesShown of them, and
// counts the rest.
func fewNames(names []string) string {
	if len(names) <= maxNamesShown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, and %d more", strings.Join(names[:maxNamesShown], ", "), len(names)-maxNamesShown)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printable shows a message as is when it is plain text, quoted when it
// has control characters or bytes that are not UTF-8.
func printable(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) }) {
		return fmt.Sprintf("%q", s)
	}
	return s
}
