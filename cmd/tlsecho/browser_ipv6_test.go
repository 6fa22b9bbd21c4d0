package main

import (
	"strings"
	"testing"
)

// TestBrowserIPv6: the page opened by its IPv6 address,
// https://[::1]:PORT/, as a user whose server listens on ::1 only would:
// it names the browser by its IPv6 address, offers an openssl command
// for the raw port with the brackets openssl needs, and echoes over
// wss://[::1]:PORT/ws, whose same-host Origin check compares
// https://[::1]:PORT with the Host [::1]:PORT.
func TestBrowserIPv6(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	ta := startApp(t, map[string]string{"TLS_ADDR": "[::1]:0", "HTTPS_ADDR": "[::1]:0"})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	if got := tab.text("#info-peer"); !strings.HasPrefix(got, "[::1]:") {
		t.Errorf("info peer = %q, want the browser's [::1]:port", got)
	}
	if got, want := tab.text("#cmd-openssl"), "openssl s_client -connect "+ta.TLSAddr; got != want {
		t.Errorf("openssl command = %q, want %q", got, want)
	}
	tab.connect()
	tab.waitState("open")
	tab.send("over IPv6")
	tab.waitFor("the echo", recvLine(`b === "over IPv6"`))
	tab.checkProblems(nil)
}
