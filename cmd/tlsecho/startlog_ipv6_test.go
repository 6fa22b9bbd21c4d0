package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
)

// TestStartLogTryItIPOnlyCertificate: with a certificate for ::1 alone
// (TLSECHO_HOSTS=::1), the start's "try it" line opens the page by that
// address, which the certificate names, not by localhost, which it does
// not: the page, fetched as written by a client that checks the name
// against a certificate it trusts (a browser with a CA made by tlsecho
// cert -ca), answers. The raw command sends no -servername, which could
// only be a name the certificate lacks.
func TestStartLogTryItIPOnlyCertificate(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	ta := startApp(t, map[string]string{"HOSTS": "::1", "TLS_ADDR": "[::1]:0", "HTTPS_ADDR": "[::1]:0"})
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
}
