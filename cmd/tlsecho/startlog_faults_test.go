package main

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
)

// TestStartLogNamesDefaultFault: with TLSECHO_FAULT set, the start warns
// that every connection gets it, with the spec as the server reads it,
// before the "try it" line whose commands it affects; without it, no
// such line.
func TestStartLogNamesDefaultFault(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULT": "rst @ 1, delay:10ms"})
	waitLogged(t, ta, `msg="try it"`)
	log := ta.Log.String()
	warn, try := strings.Index(log, `msg="every connection gets faults"`), strings.Index(log, `msg="try it"`)
	if warn < 0 || warn > try {
		t.Fatalf("no warning of TLSECHO_FAULT before the try it line:\n%s", log)
	}
	line := waitLogged(t, ta, `msg="every connection gets faults"`)
	for _, want := range []string{"level=WARN", "spec=rst@1,delay:10ms", "TLSECHO_FAULT"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning lacks %q: %s", want, line)
		}
	}

	plain := startApp(t, nil)
	waitLogged(t, plain, `msg="try it"`)
	if strings.Contains(plain.Log.String(), "every connection gets faults") {
		t.Errorf("fault warning without TLSECHO_FAULT:\n%s", plain.Log.String())
	}
}

// TestStartLogNamesHandshakeFaultReach: a TLSECHO_FAULT with a handshake
// verb reaches more than the echoes: every TLS handshake of the HTTPS
// port, the page's too. The warning says so, and the page port does
// refuse a plain GET / with the alert; a spec without such a verb keeps
// the warning to the echoes.
func TestStartLogNamesHandshakeFaultReach(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULT": "alert:access_denied"})
	line := waitLogged(t, ta, `msg="every connection gets faults"`)
	for _, want := range []string{"alert:access_denied acts on every TLS handshake", "HTTPS", "the page"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning lacks %q: %s", want, line)
		}
	}
	client := &http.Client{Timeout: ioWait, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + ta.HTTPSAddr + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET / on the page port answered %s under TLSECHO_FAULT=alert:access_denied", resp.Status)
	}
	if !strings.Contains(err.Error(), "access denied") {
		t.Errorf("GET / on the page port: %v, want the access_denied alert", err)
	}

	echoes := startApp(t, map[string]string{"FAULT": "delay:10ms"})
	line = waitLogged(t, echoes, `msg="every connection gets faults"`)
	if strings.Contains(line, "handshake") {
		t.Errorf("a spec without handshake verbs is said to act on handshakes: %s", line)
	}
}
