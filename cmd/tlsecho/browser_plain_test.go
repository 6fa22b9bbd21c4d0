package main

import (
	"strings"
	"testing"
)

// TestBrowserPlainHTTP opens the page straight on the plain HTTP
// listener, with no proxy in front and no TLSECHO_PROXY_TRUSTED list: the
// page says the request came over plain HTTP from the browser itself (not
// through a proxy, not with TLS ended upstream) and echoes over ws://.
// mTLS is on for the TLS ports, and the page says that this port asks
// for no client certificate.
func TestBrowserPlainHTTP(t *testing.T) {
	t.Parallel()
	_, caFile, _, _, _ := mtlsSetup(t)
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "CLIENT_CA_FILE": caFile})
	tab := pageTab(t, "http://"+ta.HTTPAddr+"/")
	status := tab.waitFor("the hello panel", `document.getElementById("hello-status").textContent.startsWith("not known") ?
		document.getElementById("hello-status").textContent : ""`)
	if !strings.Contains(status, "plain HTTP") || strings.Contains(status, "proxy") {
		t.Errorf("hello panel = %q, want it to say the page came over plain HTTP, with no proxy", status)
	}
	if got := tab.text("#info-tls"); !strings.Contains(got, "plain HTTP") {
		t.Errorf("info TLS = %q, want plain HTTP", got)
	}
	if got := tab.text("#info-peer"); !strings.HasPrefix(got, "127.0.0.1:") || strings.Contains(got, "proxy") {
		t.Errorf("info peer = %q, want the browser's own address and no proxy", got)
	}
	if got := tab.text("#info-client"); !strings.Contains(got, "required on the TLS ports") {
		t.Errorf("info client cert = %q, want it required on the TLS ports only", got)
	}
	tab.connect()
	tab.waitState("open")
	tab.send("plain and direct")
	tab.waitFor("the echo", recvLine(`b === "plain and direct"`))
	tab.checkProblems(nil)
}
