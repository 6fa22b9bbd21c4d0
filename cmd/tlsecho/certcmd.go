package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tlsecho/tlsecho/certs"
)

// certCmd implements `tlsecho cert`: it writes a certificate and key for
// TLSECHO_CERT_FILE and TLSECHO_KEY_FILE, optionally issued by a local CA
// and bundled as PKCS#12.
func certCmd(args []string, stdout, stderr io.Writer) int {
	fl, code, ok := parseCertFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	if fl.days > maxBrowserDays {
		fmt.Fprintf(stderr, "tlsecho cert: warning: -days %d is more than %d: browsers refuse server certificates valid that long from public CAs, and Apple systems refuse any over 825 days; other clients accept it\n", fl.days, maxBrowserDays)
	}
	if wild := certs.ShallowWildcards(fl.hosts); len(wild) > 0 && !fl.client {
		fmt.Fprintf(stderr, "tlsecho cert: warning: browsers, curl and OpenSSL refuse a wildcard with one label after it (%s), trusted CA or not (Chrome: ERR_CERT_COMMON_NAME_INVALID; OpenSSL: hostname mismatch), and only Go clients take it; name the hosts, or use a wildcard under two labels (*.app.localhost)\n", strings.Join(wild, ", "))
	}
	if err := writeCert(fl, stdout); err != nil {
		fmt.Fprintf(stderr, "tlsecho cert: %v\n", err)
		return exitFailure
	}
	return exitOK
}
