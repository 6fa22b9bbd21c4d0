package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// clientStage is how far a connection got; the same error (a timeout,
// an EOF) means something different at each stage.
type clientStage int

const (
	stageConnect clientStage = iota
	stageHandshake
	stageUpgrade
)

// stageError records the stage an error happened in.
type stageError struct {
	stage clientStage
	err   error
}

// Error is the underlying error's message; the stage only steers reporting.
func (e *stageError) Error() string { return e.err.Error() }

// Unwrap lets errors.Is and errors.As see the underlying error.
func (e *stageError) Unwrap() error { return e.err }

// explainedError is an error said in plain words; the original stays
// reachable with errors.Is and errors.As.
type explainedError struct {
	msg string
	err error
}

// Error is the plain-words message.
func (e *explainedError) Error() string { return e.msg }

// Unwrap keeps the original error reachable.
func (e *explainedError) Unwrap() error { return e.err }

func explained(err error, format string, args ...any) error {
	return &explainedError{msg: fmt.Sprintf(format, args...), err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// explain turns a failure to connect into one sentence that says what
// happened and, where it can, what to do about it.
func (c *client) explain(err error, resp *http.Response) error {
	addr := c.o.target.addr
	var se *stageError
	if !errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %w", err)
	}
	switch se.stage {
	case stageConnect:
		var dnsErr *net.DNSError
		switch {
		case isTimeout(err):
			return explained(err, "no TCP connection to %s within %v: the host did not answer (wrong address, or a firewall dropping packets)", addr, c.o.timeout)
		case errors.Is(err, syscall.ECONNREFUSED):
			return explained(err, "connection refused by %s: nothing listens on that port", addr)
		case errors.As(err, &dnsErr):
			return explained(err, "cannot resolve %s: %v", c.o.target.host, dnsErr.Err)
		}
		return fmt.Errorf("connect to %s: %w", addr, err)
	case stageHandshake:
		if reason, hint, ok := verifyMessage(err); ok {
			if hint != "" {
				reason += "; " + hint
			}
			return explained(err, "%s", reason)
		}
		var rhe tls.RecordHeaderError
		switch {
		case isTimeout(err) && len(c.obs.records.Records()) > 0:
			return explained(err, "no TLS handshake from %s within %v: the server answered the ClientHello, then stalled before the handshake ended", addr, c.o.timeout)
		case isTimeout(err):
			return explained(err, "no TLS handshake from %s within %v: the server accepted TCP but did not answer the TLS ClientHello (not a TLS port, a stalled server, or a proxy holding the connection)", addr, c.o.timeout)
		case errors.As(err, &rhe):
			return explained(err, "%s answered, but not in TLS: is this port plain HTTP or another protocol?", addr)
		case closedByPeer(err) && len(c.obs.records.Records()) == 0:
			return explained(err, "%s", c.closedBeforeHello())
		case closedByPeer(err):
			return explained(err, "%s closed the connection during the TLS handshake: it may not speak TLS, or it refused our TLS version, cipher suites or server name (its log may say which)", addr)
		}
		if msg, ok := c.alertMessage(err); ok {
			return explained(err, "%s refused the TLS handshake: %s", addr, msg)
		}
		if msg, ok := oversizedHandshake(err); ok {
			return explained(err, "%s sent %s", addr, msg)
		}
		return fmt.Errorf("TLS handshake with %s: %w", addr, err)
	default: // stageUpgrade
		switch {
		case isTimeout(err):
			return explained(err, "no WebSocket upgrade response from %s within %v: the TLS handshake worked but the server did not answer the HTTP upgrade request", addr, c.o.timeout)
		case errors.Is(err, websocket.ErrBadHandshake) && resp != nil && resp.StatusCode == http.StatusSwitchingProtocols:
			return explained(err, "%s answered 101 Switching Protocols, but not as a WebSocket server: %s (RFC 6455 section 4.1 has the client fail such a connection)",
				addr, switchProblem(resp))
		case errors.Is(err, websocket.ErrBadHandshake) && resp != nil:
			return explained(err, "%s answered HTTP %s instead of switching to WebSocket%s", addr, resp.Status, upgradeHint(resp))
		case strings.Contains(err.Error(), "malformed HTTP"):
			// A raw TLS echo port sends the request back, which does not parse.
			return explained(err, "%s did not answer the upgrade request in HTTP: is it a raw TLS port? (then use tls://)", addr)
		}
		if msg, ok := c.alertMessage(err); ok {
			// TLS 1.3 servers judge the client certificate after the
			// client's handshake is done, so the refusal arrives here.
			return explained(err, "%s ended the connection: %s", addr, msg)
		}
		return fmt.Errorf("WebSocket upgrade with %s: %w", addr, err)
	}
}

// oversizedHandshake explains crypto/tls refusing a handshake message
// over its limits: 256 KiB for a certificate chain, 64 KiB for any other.
// The error has no type, so its text is read.
func oversizedHandshake(err error) (string, bool) {
	var n, limit int
	if _, serr := fmt.Sscanf(err.Error(), "tls: handshake message of length %d bytes exceeds maximum of %d bytes", &n, &limit); serr != nil {
		return "", false
	}
	if limit > 64<<10 {
		return fmt.Sprintf("a certificate chain of %d bytes, over the %d KiB this client accepts: a server needs to send only its certificate and the intermediates to a root", n, limit>>10), true
	}
	return fmt.Sprintf("a handshake message of %d bytes, over the %d KiB this client accepts", n, limit>>10), true
}

// upgradeHint guesses the cause of a refused upgrade from the status and
// the start of the body.
func upgradeHint(resp *http.Response) string {
	var hint string
	switch resp.StatusCode {
	case http.StatusNotFound:
		hint = " (wrong path? tlsecho serves /ws)"
	case http.StatusForbidden:
		hint = " (the server refused the Origin or the client)"
	}
	if resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		if line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n"); line != "" {
			hint += ": " + line
		}
	}
	return hint
}

// verifyMessage says why the server's certificate was refused, and what
// to do about it, or returns false when err is not a verification failure.
// Go checks expiry first, then the name, then the chain, so the first
// problem is the one named.
func verifyMessage(err error) (reason, hint string, ok bool) {
	var invalid x509.CertificateInvalidError
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var sysErr x509.SystemRootsError
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		now := time.Now()
		whose, fix := "certificate", "the server needs a new certificate"
		if ca, sent, ok := outOfDateCA(err, invalid.Cert); ok && sent {
			whose, fix = ca, "the server's own certificate is in date: the server needs a current intermediate in its certificate file"
		} else if ok {
			whose, fix = ca, "the server's own certificate is in date: the root that issued it, from -ca or the system roots, is out of date here"
		}
		if now.Before(invalid.Cert.NotBefore) {
			// Not only a clock: a certificate can be made to start
			// later (openssl x509 -not_before, a CA's scheduled
			// rollover), and then every clock is right.
			return fmt.Sprintf("%s is not valid until %s", whose, fmtTime(invalid.Cert.NotBefore)),
				fmt.Sprintf("the time here is %s: a clock is wrong, or it was made to start later", fmtTime(now)), true
		}
		return fmt.Sprintf("%s expired on %s (%s ago)", whose, fmtTime(invalid.Cert.NotAfter), fmtAge(now.Sub(invalid.Cert.NotAfter))),
			fix, true
	case errors.As(err, &hostErr):
		names := tlsinfo.DescribeCertificate(hostErr.Certificate).HostNames()
		if len(names) == 0 {
			return fmt.Sprintf("certificate has no DNS or IP subject alternative names, so it is not valid for %s", hostErr.Host),
				"clients ignore the common name; the certificate needs SANs", true
		}
		return fmt.Sprintf("certificate is valid for %s, not %s", fewNames(names), hostErr.Host),
			"connect by one of those names, or set -servername", true
	case errors.As(err, &unknown):
		return unknownAuthority(err, unknown)
	case errors.As(err, &invalid):
		return "certificate refused: " + strings.TrimPrefix(invalid.Error(), "x509: "), "", true
	case errors.As(err, &sysErr):
		return "no system root certificates to verify against", "pass the server's CA with -ca FILE", true
	case errors.As(err, &cve):
		return "certificate verification failed: " + strings.TrimPrefix(cve.Err.Error(), "x509: "), "", true
	}
	return "", "", false
}

// outOfDateCA names the certificate x509 found out of date when it is not
// the server's own but an intermediate the server sent (sent is true) or
// a root. x509 checks the server's certificate's dates first, so then the
// server's own is in date, and "certificate expired" alone would have the
// reader renew the wrong one. A root is a root also when the server sends
// a copy of it after its intermediate, as many do: the intermediate is
// not the one to replace then.
func outOfDateCA(err error, c *x509.Certificate) (name string, sent, ok bool) {
	var cve *tls.CertificateVerificationError
	if c == nil || !errors.As(err, &cve) || len(cve.UnverifiedCertificates) == 0 || c.Equal(cve.UnverifiedCertificates[0]) {
		return "", false, false
	}
	if slices.ContainsFunc(cve.UnverifiedCertificates[1:], c.Equal) && !tlsinfo.DescribeCertificate(c).SelfSigned {
		return fmt.Sprintf("the intermediate the server sent, %s,", c.Subject), true, true
	}
	return fmt.Sprintf("the root CA %s", c.Subject), false, true
}

// unknownAuthority says why the server's certificate has no chain to a
// trusted root. Two causes are common and call for other fixes than
// passing a CA: a self-signed certificate, which is trusted only as
// itself, and a server that sends its certificate without the
// intermediate that issued it, where passing the root does not help
// (crypto/tls builds the chain from what the server sent, as browsers
// without a cache of intermediates do). A certificate sent alone may as
// well come straight from a root the client lacks (a private CA, or -ca
// given the wrong file), where passing that root is the fix: nothing
// the client holds tells a root's name from an intermediate's, so the
// message names the issuer and gives both ways.
func unknownAuthority(err error, unknown x509.UnknownAuthorityError) (reason, hint string, ok bool) {
	const prefix = "certificate signed by unknown authority: "
	var cve *tls.CertificateVerificationError
	var sent []*x509.Certificate
	if errors.As(err, &cve) {
		sent = cve.UnverifiedCertificates
	}
	refused := unknown.Cert != nil && strings.Contains(unknown.Error(), candidateRefused)
	switch {
	case len(sent) == 1 && tlsinfo.DescribeCertificate(sent[0]).SelfSigned && refused:
		// The copy trusted here is of an earlier certificate: tlsecho
		// makes its in-memory one anew at every start.
		return prefix + fmt.Sprintf("the server's certificate is self-signed (%s), and the certificate of that name in the system roots or -ca is another one: the server's was made anew", sent[0].Subject),
			"pass the server's current certificate with -ca FILE (tlsecho makes a new one at every start unless given TLSECHO_CERT_FILE), or -insecure to skip verification", true
	case len(sent) == 1 && tlsinfo.DescribeCertificate(sent[0]).SelfSigned:
		return prefix + fmt.Sprintf("the server's certificate is self-signed (%s), not issued by a CA of the system roots or -ca", sent[0].Subject),
			"pass that certificate itself with -ca FILE to trust it, or -insecure to skip verification", true
	case refused:
		// Nothing is missing: a certificate of the issuer's name is
		// trusted here and x509 tried it, for the reason it gives in
		// parentheses.
		what := "the server's certificate"
		if len(sent) > 0 && !unknown.Cert.Equal(sent[0]) {
			what = fmt.Sprintf("the intermediate the server sent, %s,", unknown.Cert.Subject)
		}
		reason = prefix + fmt.Sprintf("the system roots or -ca hold a certificate named %s, but it did not sign %s (%s)",
			unknown.Cert.Issuer, what, strings.TrimSuffix(strings.TrimPrefix(unknown.Error(), "x509: certificate signed by unknown authority ("), ")"))
		hint = "pass the CA that issued it with -ca FILE, or -insecure to skip verification"
		if why := unknown.Error(); strings.Contains(why, "verification failure") || strings.Contains(why, "verification error") {
			hint = "the CA was made anew under the same name, or another CA shares its name: pass the one that issued the server's certificate with -ca FILE"
		}
		return reason, hint, true
	case len(sent) == 1:
		issuer := sent[0].Issuer.String()
		return prefix + fmt.Sprintf("the server sent its certificate alone, issued by %s, which is not a root of the system roots or -ca", issuer),
			fmt.Sprintf("if %s is a root CA (a private one, say), pass its certificate with -ca FILE; "+
				"if it is an intermediate, the server is to serve the full chain: its certificate, then the intermediate's, in its certificate file (tlsecho: TLSECHO_CERT_FILE)", issuer), true
	}
	reason = prefix + "the server's certificate is not trusted by the system roots or -ca"
	if unknown.Cert != nil {
		reason += fmt.Sprintf(" (issuer %s)", unknown.Cert.Issuer)
	}
	return reason, "pass its CA with -ca FILE, or -insecure to skip verification", true
}

// candidateRefused is in x509's UnknownAuthorityError when a trusted CA
// of the name the certificate gives as its issuer was found and refused
// (its key does not verify the signature, say): x509 keeps that reason
// unexported, in the error's text only.
const candidateRefused = "while trying to verify candidate authority certificate"

// alertMessage explains a TLS alert from the server. Go does not export
// the alert type for TCP connections, so the text is matched.
func (c *client) alertMessage(err error) (string, bool) {
	s := err.Error()
	i := strings.Index(s, "remote error: tls: ")
	if i < 0 {
		return "", false
	}
	alert := s[i+len("remote error: tls: "):]
	switch {
	case strings.Contains(alert, "certificate required") ||
		(strings.Contains(alert, "bad certificate") && c.o.clientCert == nil):
		return "it requires a client certificate (mTLS): pass -cert and -key", true
	case strings.Contains(alert, "expired certificate") && c.o.clientCert != nil:
		// The CA question below would send the user the wrong way.
		return c.outOfDate(alert), true
	case strings.Contains(alert, "certificate") && c.o.clientCert != nil:
		if doubt := ownCertDoubt(c.o.clientCert); doubt != "" {
			return fmt.Sprintf("it rejected our client certificate from %s (%s): %s", c.o.certFile, alert, doubt), true
		}
		return fmt.Sprintf("it rejected our client certificate from %s (%s): is it signed by the CA the server trusts?", c.o.certFile, alert), true
	case strings.Contains(alert, "protocol version"):
		return "no TLS version in common (" + alert + ")", true
	case strings.Contains(alert, "handshake failure"):
		return "no cipher suite or key exchange in common, or it refused the server name (" + alert + ")", true
	}
	return "alert " + alert, true
}

// outOfDate explains the certificate_expired alert for our client
// certificate. crypto/tls sends it for a certificate not valid yet too,
// and for one whose client CA or intermediate is out of date, so the
// certificate's own dates tell which to say: "needs renewing" said of a
// certificate that starts tomorrow sends the user the wrong way.
func (c *client) outOfDate(alert string) string {
	ours := fmt.Sprintf("it refused our client certificate from %s", c.o.certFile)
	leaf, now := c.o.clientCert.Leaf, time.Now()
	switch {
	case leaf == nil || now.After(leaf.NotAfter):
		msg := fmt.Sprintf("%s as expired (%s)", ours, alert)
		if leaf != nil {
			msg += fmt.Sprintf(": its validity ends %s", fmtTime(leaf.NotAfter))
		}
		return msg + "; it needs renewing"
	case now.Before(leaf.NotBefore):
		return fmt.Sprintf("%s (%s, the alert for one not valid yet too): it is not valid until %s (the time here is %s): a clock is wrong, or it was made to start later",
			ours, alert, fmtTime(leaf.NotBefore), fmtTime(now))
	}
	return fmt.Sprintf("%s (%s), which is valid here from %s to %s: the server's clock is wrong, or a CA or intermediate above it is out of date (the server's log names it)",
		ours, alert, fmtTime(leaf.NotBefore), fmtTime(leaf.NotAfter))
}

// sentReason tells whether err, from reading after a failed send, is an
// end the server sent with a reason: a close frame (not gorilla's 1006,
// which stands for none) or a TLS alert.
func sentReason(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code != websocket.CloseAbnormalClosure
	}
	return isRemoteAlert(err)
}

// reasonWait bounds the wait for the server's reason once a send has
// timed out or been cut. A reader beside the send has met what the server
// sent before it stopped reading, or meets it at once; the bound only
// matters for a server that sent no end, and keeps the report close to
// -timeout.
const reasonWait = 100 * time.Millisecond

// stalledSend reports a send that timed out. Part of it may well have
// gone out (a server that stops reading still takes what its buffers
// hold), so it does not say that nothing could be sent.
func (c *client) stalledSend(err error) error {
	return explained(err, "%s stopped reading: what the client was sending did not go out in full within %v", c.o.target.addr, c.o.timeout)
}

// explainRead says why no (more) echo came.
func (c *client) explainRead(err error, what string) error {
	addr := c.o.target.addr
	if how := c.obs.howEnded(c.o.target.scheme, err); how != "" {
		return explained(err, "%s ended the connection %s instead of sending the %s", addr, how, what)
	}
	var ce *websocket.CloseError
	switch {
	case errors.Is(err, errPongStalled):
		return explained(err, "%s sent pings faster than it read the client's pongs (%v), instead of sending the %s", addr, err, what)
	case isTimeout(err):
		return explained(err, "no %s from %s within %v%s", what, addr, c.o.timeout, c.pings.note())
	case errors.As(err, &ce):
		return explained(err, "%s closed the WebSocket with %s instead of sending the %s", addr, closeCodeText(ce), what)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return explained(err, "%s closed the connection instead of sending the %s", addr, what)
	}
	if msg, ok := c.alertMessage(err); ok {
		return explained(err, "%s ended the connection: %s", addr, msg)
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		return explained(err, "%s announced a message larger than the %d MiB the client reads, instead of sending the %s", addr, maxClientMessage>>20, what)
	}
	if msg, ok := wsViolation(err); ok {
		return explained(err, "%s broke the WebSocket protocol instead of sending the %s: it sent %s; the client sent close 1002 (protocol error)", addr, what, msg)
	}
	return fmt.Errorf("waiting for the %s from %s: %w", what, addr, err)
}

// closeCodeText names a WebSocket close code by its name in the IANA
// registry (RFC 6455 section 7.4.1, RFC 7692), in the words the test page
// uses (web/static/app.js, CLOSE_NAMES), so the two surfaces name a close
// alike. 1006 adds what it means here: the connection ended with no close
// frame.
func closeCodeText(ce *websocket.CloseError) string {
	names := map[int]string{
		websocket.CloseNormalClosure:           "normal closure",
		websocket.CloseGoingAway:               "going away",
		websocket.CloseProtocolError:           "protocol error",
		websocket.CloseUnsupportedData:         "unsupported data",
		1004:                                   "reserved",
		websocket.CloseNoStatusReceived:        "no status received",
		websocket.CloseAbnormalClosure:         "abnormal closure, no close frame",
		websocket.CloseInvalidFramePayloadData: "invalid frame payload data",
		websocket.ClosePolicyViolation:         "policy violation",
		websocket.CloseMessageTooBig:           "message too big",
		websocket.CloseMandatoryExtension:      "mandatory extension",
		websocket.CloseInternalServerErr:       "internal error",
		websocket.CloseServiceRestart:          "service restart",
		websocket.CloseTryAgainLater:           "try again later",
		1014:                                   "bad gateway",
		websocket.CloseTLSHandshake:            "TLS handshake failure",
	}
	s := fmt.Sprintf("%d", ce.Code)
	if n, ok := names[ce.Code]; ok {
		s += " (" + n + ")"
	}
	if ce.Text != "" {
		s += fmt.Sprintf(" %q", ce.Text)
	}
	return s
}

// closedByPeer reports the server ending the connection under the
// handshake: the end of the stream, a reset, or a write after its reset
// (EPIPE, as when -proxy-v2's header drew the reset and the ClientHello
// followed it).
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// closedBeforeHello explains a server that ended the connection without a
// byte of TLS in answer to the ClientHello. The PROXY protocol is the
// likeliest cause, and each side is told apart by -proxy-v2: a server
// behind TLSECHO_PROXY_PROTOCOL=require reads the ClientHello as a bad
// header, and one without it reads the header as a bad ClientHello; both
// close at once, as does a server behind a balancer that sends a header
// of its own, which reads -proxy-v2's as a second. So does a server at its connection limit, which closes
// at accept whatever comes: it is named too, or a full server would send
// the user to -proxy-v2.
func (c *client) closedBeforeHello() string {
	addr := c.o.target.addr
	if c.o.proxyV2 {
		return fmt.Sprintf("%s closed the connection before answering the ClientHello that followed the PROXY header of -proxy-v2: "+
			"a server that does not expect a PROXY header (tlsecho: TLSECHO_PROXY_PROTOCOL off), or does not trust this client to send one "+
			"(TLSECHO_PROXY_TRUSTED), closes at once, as does one at its connection limit (tlsecho: TLSECHO_MAX_CONNS); "+
			"so does a server reached through a load balancer that sends its own header, which this one then follows as a second; "+
			"without -proxy-v2 the client speaks TLS from the first byte", addr)
	}
	return fmt.Sprintf("%s closed the connection before answering the ClientHello: it may not speak TLS, it refused our TLS version, "+
		"cipher suites or server name (its log may say which), it is at its connection limit (tlsecho: TLSECHO_MAX_CONNS), "+
		"or it expects a PROXY protocol header first, as behind a load balancer: try -proxy-v2", addr)
}

// httpsPortHint asks whether a tls:// target is an HTTPS port, such as
// tlsecho's own TLSECHO_HTTPS_ADDR, and gives the URL of its wss echo.
// doing, when not empty, is what such a port would be doing.
func (c *client) httpsPortHint(doing string) string {
	if doing != "" {
		doing = ", " + doing
	}
	return fmt.Sprintf("is it an HTTPS port%s? (then use wss://%s/ws)", doing, c.o.target.addr)
}
