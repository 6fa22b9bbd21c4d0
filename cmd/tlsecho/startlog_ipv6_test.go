package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
)

var tryItIPv6Tests = []struct {
	name  string
	hosts string // TLSECHO_HOSTS; empty: the default, localhost,127.0.0.1,::1
}{
	// localhost may resolve to 127.0.0.1 alone (it does here), where
	// nothing listens: the page is named by the address it is bound to.
	{"default certificate", ""},
	// localhost is not among the certificate's names at all.
	{"certificate for ::1 alone", "::1"},
}

// TestStartLogTryItIPv6: with the page and the raw port on ::1 alone, the
// start's "try it" line names the page by [::1], an address the
// certificate holds and the listener is on: the page, fetched as written
// by a client that checks the name against a certificate it trusts (a
// browser with a CA made by tlsecho cert -ca), answers. The raw command
// then sends no -servername, which would be a name the client did not
// connect by, or one the certificate lacks.
func TestStartLogTryItIPv6(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	for _, tt := range tryItIPv6Tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"TLS_ADDR": "[::1]:0", "HTTPS_ADDR": "[::1]:0"}
			if tt.hosts != "" {
				vars["HOSTS"] = tt.hosts
			}
			ta := startApp(t, vars)
			line := waitLogged(t, ta, `msg="try it"`)
			page := tryItValue(t, line, "page")
			if want := "https://[::1]:" + portOf(t, ta.HTTPSAddr) + "/"; page != want {
				t.Errorf("page=%s, want %s", page, want)
			}
			if raw := tryItValue(t, line, "raw"); raw != "openssl s_client -connect [::1]:"+portOf(t, ta.TLSAddr) {
				t.Errorf("raw=%q, want the openssl command for [::1] without -servername", raw)
			}

			pool := x509.NewCertPool()
			pool.AddCert(ta.src.Leaf())
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: ioWait}
			defer client.CloseIdleConnections()
			resp, err := client.Get(page)
			if err != nil {
				t.Fatalf("the page the start suggests, %s: %v", page, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %s %s, want the page", page, resp.Status, resp.Header.Get("Content-Type"))
			}
		})
	}
}
