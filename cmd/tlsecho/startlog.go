package main

import (
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/tlsinfo"
	"github.com/tlsecho/tlsecho/web"
)

// logStart logs where each listener is bound, the certificate served and
// how to try the server, once every listener serves.
func (a *app) logStart() {
	attrs := []any{"tls", a.tlsLn.Addr().String(), "https", a.httpsLn.Addr().String()}
	if a.plainLn != nil {
		attrs = append(attrs, "http", a.plainLn.Addr().String())
	}
	if a.proxy != nil {
		attrs = append(attrs, "proxy_protocol", a.cfg.ProxyProtocol)
	}
	if a.adminLn != nil {
		attrs = append(attrs, "admin", a.adminLn.Addr().String())
	}
	attrs = append(attrs, "version", versionString())
	a.log.Info("tlsecho serving", attrs...)
	if a.adminLn != nil {
		a.log.Info("admin listening", "addr", a.adminLn.Addr().String(), "hint", adminHint(a.adminLn.Addr()))
	}
	leaf := a.src.Leaf()
	source := "self-signed, in memory"
	if f, _ := a.src.Files(); f != "" {
		source = f
	}
	d := tlsinfo.DescribeCertificate(leaf)
	a.log.Info("certificate",
		"source", source,
		"subject", d.Subject,
		"dns", strings.Join(d.Names("DNS"), ","),
		"ips", strings.Join(d.Names("IP"), ","),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339),
		"sha256", d.SHA256,
		"mtls", a.cfg.ClientCAFile != "")
	// A health command that cannot ask at all (mTLS, an untrusted PROXY
	// source, an alert) never meets the delay: saying it waits the delay
	// out would contradict the warning that it cannot check. The reasons
	// go under the keys of every other record: err for why something will
	// fail, hint for what follows from a setting and what to do about it.
	if why := a.cfg.healthProblem(); why != "" {
		a.log.Warn("tlsecho health cannot check this server", "err", why)
	} else if d := a.cfg.healthHandshakeDelay(); d > 0 {
		a.log.Warn("tlsecho health waits out the handshake delay", "hsdelay", d,
			"hint", "with TLSECHO_ADMIN_ADDR and TLSECHO_HTTP_ADDR off it asks /healthz on the HTTPS port, whose every handshake TLSECHO_FAULT holds; a HEALTHCHECK timeout must allow for it, or turn one of them on")
	}
	// A default spec makes every echo misbehave, the one "try it"
	// suggests too: say so, or a forgotten variable looks like a broken
	// server.
	if def := a.faults.Describe().Default; def != "" {
		why := "TLSECHO_FAULT applies it to every connection on the raw TLS and /ws echoes that asks for no other"
		if hs := a.cfg.defaultHandshakeVerbs(); hs != "" {
			why += "; its " + hs + " acts on every TLS handshake of the raw TLS and HTTPS ports, the page, /info and /healthz included"
		}
		a.log.Warn("every connection gets faults", "spec", def, "hint", why+"; unset it for a plain echo")
	}
	// With no trust list any peer that reaches a port may say it is any
	// client: the contract's default, right for a port only the
	// balancer reaches, and worth a line where that is not so.
	if a.proxy != nil && len(a.cfg.ProxyTrusted) == 0 {
		a.log.Warn("PROXY headers trusted from any peer", "proxy_protocol", a.cfg.ProxyProtocol,
			"hint", "any client that reaches a port may name any address as its own, in the logs, /info and /hellos; set TLSECHO_PROXY_TRUSTED to the load balancers' addresses")
	}
	if p := certs.DatesProblem(leaf, time.Now()); p != "" {
		a.log.Warn("certificate "+p+"; clients will refuse it",
			"not_before", leaf.NotBefore.UTC().Format(time.RFC3339),
			"not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if p := certs.ChainProblem(a.src.Certificate()); p != "" {
		f, _ := a.src.Files()
		a.log.Warn("certificate chain incomplete", "cert_file", f, "err", p, "hint", certs.ChainHint)
	}
	if p := certs.BrowserKeyProblem(leaf); p != "" {
		f, _ := a.src.Files()
		a.log.Warn("browsers refuse the certificate's key", "cert_file", f, "err", p, "hint", certs.BrowserKeyHint)
	}
	a.src.WarnClientCADates(a.log)
	host := tryHost(leaf, a.httpsLn.Addr())
	require := a.cfg.ProxyProtocol == "require"
	raw, _ := web.RawTLSCommands(host, a.tlsLn.Addr(), require)
	f, _ := a.src.Files()
	selfSigned := f == ""
	rawCmd, proxyHint := raw.OpenSSL, ""
	if require {
		rawCmd, proxyHint = insecureIf(raw.Client, selfSigned), proxyTryHint(a.cfg.ProxyTrusted)
	}
	try := []any{
		"page", "https://" + net.JoinHostPort(host, listenPort(a.httpsLn.Addr())) + "/",
		"raw", rawCmd,
	}
	if proxyHint != "" {
		try = append(try, "proxy", proxyHint)
	}
	if selfSigned {
		try = append(try, "hint", "the certificate is self-signed: accept it once in the browser, or make a trusted one with tlsecho cert -ca (see tlsecho cert -h)")
	}
	a.log.Info("try it", try...)
}

// tryHost is the host the "try it" line names: the certificate's first
// DNS name, with two exceptions.
//
// An HTTPS listener bound to ::1 that the certificate names
// (TLSECHO_HTTPS_ADDR=[::1]:8443) is named by that address: localhost
// often resolves to 127.0.0.1 alone (as in many containers' /etc/hosts),
// where a server on ::1 is not, and from this machine, the only one that
// reaches it, the address is as good a name.
// (A listener on 127.0.0.1 keeps localhost, which reaches it wherever
// localhost resolves at all.)
//
// A certificate with IP addresses only (TLSECHO_HOSTS=::1) is for those:
// the page is opened by one (https://[::1]:8443/) and the raw command
// sends no SNI, where "localhost" would not match the certificate (and a
// -servername of it would be a name the certificate lacks). The HTTPS
// listener's own address is preferred among them, since the page is
// reached there. A listener bound to one address the certificate lacks
// (TLSECHO_HOSTS=::1 with TLSECHO_HTTPS_ADDR=127.0.0.1:8443) is named by
// its own address all the same: the certificate's would be refused at
// connect, where the browser warns of the name as it does of any
// self-signed certificate. A certificate with neither keeps localhost.
func tryHost(leaf *x509.Certificate, https net.Addr) string {
	var bound, own net.IP
	if tcp, ok := https.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		own = tcp.IP
		if slices.ContainsFunc(leaf.IPAddresses, tcp.IP.Equal) {
			bound = tcp.IP
		}
	}
	switch {
	case bound != nil && bound.IsLoopback() && bound.To4() == nil:
		return bound.String()
	case len(leaf.DNSNames) > 0:
		return leaf.DNSNames[0]
	case bound != nil:
		return bound.String()
	case own != nil && len(leaf.IPAddresses) > 0:
		return own.String()
	case len(leaf.IPAddresses) > 0:
		return leaf.IPAddresses[0].String()
	}
	return "localhost"
}

// insecureIf adds -insecure to a `tlsecho client` command for the
// self-signed certificate, which no client can verify, so that the
// command works as written; a certificate from files may well verify.
// (openssl s_client, suggested otherwise, does not stop at an unverified
// certificate.)
func insecureIf(client string, selfSigned bool) string {
	if !selfSigned {
		return client
	}
	return strings.Replace(client, "tlsecho client", "tlsecho client -insecure", 1)
}

// proxyTryHint says what reaching a server that requires PROXY headers
// takes, from the command line and from a browser.
func proxyTryHint(trusted []string) string {
	header := "a PROXY header"
	if len(trusted) > 0 {
		header += " from an address in TLSECHO_PROXY_TRUSTED"
	}
	return "TLSECHO_PROXY_PROTOCOL=require closes every connection that does not open with " + header +
		": tlsecho client -proxy-v2 sends one as a load balancer would; a browser reaches the page only through a load balancer that sends them"
}

// adminHint says who can reach the admin port and how to change that. The
// default :9090 on every interface suits a container, where the probes
// and the scraper come from outside (the hint must not talk a deployment
// out of it), but on a laptop it is a plain HTTP port next to any local
// Prometheus, open to the network.
func adminHint(addr net.Addr) string {
	const off = "or set TLSECHO_ADMIN_ADDR= (empty) to turn it off"
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return "plain HTTP, reachable from this machine only; move it with TLSECHO_ADMIN_ADDR=host:port, " + off
	}
	where := "every host that can reach " + addr.String()
	if ok && tcp.IP.IsUnspecified() {
		where = "every network interface"
	}
	return "plain HTTP without authentication, open on " + where +
		"; in a container or a pod this is what probes and Prometheus need (keep the port off public networks); " +
		"elsewhere keep it on this machine with TLSECHO_ADMIN_ADDR=127.0.0.1:" + listenPort(addr) + ", " + off
}

func listenPort(addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return port
}
