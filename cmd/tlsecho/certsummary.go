package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// certSummary is what printCertSummary reports of the files written.
type certSummary struct {
	certPath, keyPath, p12Path, p12Pass string
	caPath, caKeyPath                   string
	newCA                               bool
}

// printCertSummary says what was made and where, and how to use it, in
// the manner of mkcert.
func printCertSummary(w io.Writer, fl certFlags, leaf *x509.Certificate, s certSummary) {
	if fl.ca {
		if s.newCA {
			fmt.Fprintf(w, "Created a new local CA at %q (its key: %q).\n\n", s.caPath, s.caKeyPath)
		} else {
			fmt.Fprintf(w, "Using the local CA at %q.\n\n", s.caPath)
		}
	}
	kind := "certificate"
	if fl.client {
		kind = "client certificate"
	}
	fmt.Fprintf(w, "Created a new %s valid for the following names:\n", kind)
	for _, h := range heldNames(fl.hosts) {
		fmt.Fprintf(w, " - %q\n", h)
	}
	issuer := "self-signed"
	if fl.ca {
		issuer = "issued by the local CA"
	}
	fmt.Fprintf(w, "\nThe certificate is at %q and the key at %q.\n", s.certPath, s.keyPath)
	fmt.Fprintf(w, "%s, %s, valid until %s; SHA-256 %s\n", tlsinfo.KeyName(leaf.PublicKey), issuer, leaf.NotAfter.Format(time.DateOnly), certs.Fingerprint(leaf.Raw))
	if fl.p12 {
		what := "certificate and key"
		if fl.ca {
			what = "certificate, key and CA"
		}
		if fl.p12PassSet {
			fmt.Fprintf(w, "\nThe PKCS#12 bundle (%s) is at %q, with the password you gave.\n", what, s.p12Path)
		} else {
			fmt.Fprintf(w, "\nThe PKCS#12 bundle (%s) is at %q; its password is %q.\n", what, s.p12Path, s.p12Pass)
		}
	}
	if fl.client {
		printClientUse(w, fl, s)
		return
	}
	fmt.Fprintf(w, "\nServe it with:\n  TLSECHO_CERT_FILE=%s TLSECHO_KEY_FILE=%s tlsecho\n", shellQuote(s.certPath), shellQuote(s.keyPath))

	if !fl.ca {
		fmt.Fprintf(w, "\nIt is self-signed: clients must trust it by itself, as in\n  curl --cacert %s https://%s/healthz\nBrowsers will warn about it; for them, make it with -ca.\n", shellQuote(s.certPath), browserHost(fl.hosts))
		return
	}
	ca := shellQuote(s.caPath)
	fmt.Fprintf(w, `
To have browsers and this system trust it (https://%s/ then shows no
warning), trust the local CA once, as an administrator:
  Debian/Ubuntu:  cp %s /usr/local/share/ca-certificates/tlsecho-ca.crt && update-ca-certificates
  Fedora/RHEL:    cp %s /etc/pki/ca-trust/source/anchors/tlsecho-ca.pem && update-ca-trust
  macOS:          security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %s
  Windows:        certutil -addstore -f ROOT %s
Chrome and Chromium on Linux, and Firefox, keep their own store (NSS; the
certutil there comes with libnss3-tools or nss-tools):
  Chrome/Chromium: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n tlsecho -i %s
  Firefox:         the same with -d sql:PROFILE_DIR, or Settings > Certificates > Import
Keep the CA key private: whoever has it can make certificates that this
machine trusts for any site (%s).
`, browserHost(fl.hosts), ca, ca, ca, s.caPath, ca, shellQuote(s.caKeyPath))
}

// browserHost is the host:port a browser would open for the first name,
// preferring localhost. For a wildcard it is a name the wildcard covers:
// one label in place of the "*", never the bare domain, which a wildcard
// does not match (RFC 6125 section 6.4.3).
func browserHost(hosts []string) string {
	hosts = heldNames(hosts)
	h := hosts[0]
	if slices.Contains(hosts, "localhost") {
		h = "localhost"
	}
	if ip := net.ParseIP(h); ip != nil && ip.To4() == nil {
		h = "[" + h + "]"
	}
	if rest, ok := strings.CutPrefix(h, "*."); ok {
		h = "echo." + rest
	}
	return h + ":8443"
}

// heldNames are hosts as the certificate holds them: an IP address as
// its bytes print ("[::1]" as ::1, "::ffff:127.0.0.1" as 127.0.0.1,
// "2001:0db8::0001" as 2001:db8::1), a name as given. The summary lists
// these, so that it reads as the certificate does.
func heldNames(hosts []string) []string {
	held := make([]string, len(hosts))
	for i, h := range hosts {
		held[i] = h
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			held[i] = ip.String()
		}
	}
	return held
}

// shellQuote quotes s for a POSIX shell when it needs it, so the printed
// lines can be pasted as they are.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printClientUse says how to present a client certificate. The server
// trusts its issuer through TLSECHO_CLIENT_CA_FILE: the local CA, or the
// certificate itself when it is self-signed. A client's name is not a host
// to connect to, so the commands name the server at tlsecho's default
// HTTPS address. The server command printed has no certificate files, so
// it serves one made in memory, which no client can verify: the commands
// that follow it skip the check (-insecure, curl -k), so that the two
// work together as printed. With -ca, the commands that verify a server
// whose certificate the same CA issued follow.
func printClientUse(w io.Writer, fl certFlags, s certSummary) {
	cert, key := shellQuote(s.certPath), shellQuote(s.keyPath)
	trust := cert
	if fl.ca {
		trust = shellQuote(s.caPath)
	}
	present := func(verify, curlVerify string) {
		fmt.Fprintf(w, "  tlsecho client %s -cert %s -key %s wss://localhost:8443/ws hello\n", verify, cert, key)
		fmt.Fprintf(w, "  curl %s --cert %s --key %s https://localhost:8443/healthz\n", curlVerify, cert, key)
	}
	fmt.Fprintf(w, `
A server that requires client certificates (mTLS) accepts it once it trusts
%s:
  TLSECHO_CLIENT_CA_FILE=%s tlsecho
Present it to that server:
`, trust, trust)
	present("-insecure", "-k")
	fmt.Fprint(w, `-insecure and -k skip checking the server's certificate: without
TLSECHO_CERT_FILE, tlsecho serves a self-signed one made in memory.
`)
	if fl.ca {
		fmt.Fprint(w, `A server whose certificate this CA issued too (tlsecho cert -ca with a copy
of ca.pem and ca-key.pem, served with TLSECHO_CERT_FILE and TLSECHO_KEY_FILE)
is checked instead:
`)
		present("-ca "+trust, "--cacert "+trust)
	} else {
		fmt.Fprint(w, "For a server whose certificate is trusted here, or given with -ca FILE (curl:\n--cacert FILE), leave them out.\n")
	}
	if !fl.p12 {
		fmt.Fprint(w, "\nBrowsers import a client certificate as PKCS#12: run again with -p12 (and\n-force to replace these files).\n")
		return
	}
	fmt.Fprintf(w, `
Browsers import the PKCS#12 bundle %s and offer it when the
server asks for a client certificate:
  Chrome/Edge: Settings > Privacy and security > Security > Manage certificates > Import
  Firefox:     Settings > Certificates > View Certificates > Your Certificates > Import
  macOS:       open it, and the Keychain adds it (Safari and Chrome use it)
`, shellQuote(s.p12Path))
}
