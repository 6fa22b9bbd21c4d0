package main

import (
	"crypto/tls"
	"net/http"
	"testing"
)

var tryItUnnamedTests = []struct {
	name, hosts, https, want string // want: the page's host, brackets and all
}{
	{"IPv4 port, certificate for ::1", "::1", "127.0.0.1:0", "127.0.0.1"},
	{"IPv6 port, certificate for 127.0.0.1", "127.0.0.1", "[::1]:0", "[::1]"},
}

// TestStartLogTryItUnnamedAddress: with a certificate for IP addresses
// only and the HTTPS port bound to an address it does not hold, the "try
// it" line names the page by the port's address, the only one that
// reaches it, not by the certificate's, where nothing listens
// (https://[::1]:PORT/ for a port on 127.0.0.1 was refused at connect).
// The browser warns of the name, as of any self-signed certificate.
func TestStartLogTryItUnnamedAddress(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	for _, tt := range tryItUnnamedTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"HOSTS": tt.hosts, "TLS_ADDR": "127.0.0.1:0", "HTTPS_ADDR": tt.https})
			page := tryItValue(t, waitLogged(t, ta, `msg="try it"`), "page")
			if want := "https://" + tt.want + ":" + portOf(t, ta.HTTPSAddr) + "/"; page != want {
				t.Errorf("page=%s, want %s", page, want)
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: ioWait}
			defer client.CloseIdleConnections()
			resp, err := client.Get(page)
			if err != nil {
				t.Fatalf("the page the start suggests, %s: %v", page, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %s, want the page", page, resp.Status)
			}
		})
	}
}
