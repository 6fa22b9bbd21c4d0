package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestInfoRawCommandWithProxyRequired: with TLSECHO_PROXY_PROTOCOL=require
// /info suggests no openssl command for the raw port (s_client cannot
// send the PROXY header the port requires) and a tlsecho client command
// that sends one and, run as written (with -insecure for the self-signed
// certificate, as the page says), gets the echo. With the header
// optional the openssl command stays.
func TestInfoRawCommandWithProxyRequired(t *testing.T) {
	t.Parallel()
	type rawInfo struct {
		RawTLS struct {
			OpenSSL       *string `json:"openssl"`
			Client        string  `json:"tlsecho"`
			ProxyRequired bool    `json:"proxy_header_required"`
		} `json:"raw_tls"`
	}
	getRaw := func(ta *testApp) rawInfo {
		t.Helper()
		tr := &http.Transport{DialContext: proxiedDialer(2, "203.0.113.7:40001", nil), TLSClientConfig: ta.clientTLS()}
		defer tr.CloseIdleConnections()
		var doc rawInfo
		getJSON(t, &http.Client{Transport: tr, Timeout: ioWait}, "https://"+ta.HTTPSAddr+"/info", &doc)
		return doc
	}

	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require"})
	raw := getRaw(ta).RawTLS
	if raw.OpenSSL != nil {
		t.Errorf("openssl = %q under require, which the port refuses", *raw.OpenSSL)
	}
	if !raw.ProxyRequired {
		t.Error("proxy_header_required is not set under require")
	}
	args := strings.Fields(raw.Client)
	if len(args) < 3 || args[0] != "tlsecho" || args[1] != "client" || !strings.Contains(raw.Client, " -proxy-v2 ") {
		t.Fatalf("tlsecho = %q: want a tlsecho client command that sends a PROXY header", raw.Client)
	}
	runClient(t, "", append(append([]string{"-insecure"}, args[2:]...), "hello")...).want(t, exitOK, []string{"hello"}, nil)

	optional := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional"})
	if raw := getRaw(optional).RawTLS; raw.OpenSSL == nil || !strings.HasPrefix(*raw.OpenSSL, "openssl s_client -connect ") || raw.ProxyRequired {
		t.Errorf("with the header optional: %+v; want the openssl command", raw)
	}
}
