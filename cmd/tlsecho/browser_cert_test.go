package main

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCertificateHint: the page is loaded from a server the browser
// trusts, and its WebSocket to a second server, whose certificate the
// browser rejects, fails with 1006. The page then says that the usual
// cause is that certificate, with a link to the second server's https://
// origin where the user can accept it.
//
// The browser trusts only the first server's key
// (--ignore-certificate-errors-spki-list), so the second server's
// self-signed certificate is refused as it would be on a fresh machine.
func TestBrowserCertificateHint(t *testing.T) {
	t.Parallel()
	page := startApp(t, nil)
	// "*": the refusal must come from the certificate, not from the origin
	// check, which a certificate the browser refused never reaches.
	other := startApp(t, map[string]string{"ALLOWED_ORIGINS": "*"})
	spki := sha256.Sum256(page.src.Leaf().RawSubjectPublicKeyInfo)
	tab := newBrowserWith(t,
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])))
	connect := func(url string) {
		t.Helper()
		tab.do("connect to "+url, chromedp.SetValue(chromedp.CSS("#url"), url))
		tab.connect()
	}

	tab.load("https://" + page.HTTPSAddr + "/")
	tab.waitInfo()

	otherURL := "wss://" + other.HTTPSAddr + "/ws"
	connect(otherURL)
	state := tab.waitFor("the failed connection", `(() => { const s = document.getElementById("state");
		return s.dataset.state === "closed" && s.textContent.includes("1006") ? s.textContent : ""; })()`)
	t.Logf("state: %s", state)
	// The second server saw the browser refuse its certificate: the hint
	// below is about what really happened.
	if line := waitLogged(t, other, `msg="handshake failed"`); !strings.Contains(line, "certificate") {
		t.Errorf("the second server's handshake failed otherwise than on the certificate: %s", line)
	}

	hint := tab.eval("the hint", `(() => { const h = document.getElementById("conn-hint");
		return h.hidden ? "" : h.textContent; })()`)
	for _, want := range []string{other.HTTPSAddr, "certificate this browser has not accepted", "TLSECHO_ALLOWED_ORIGINS"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q lacks %q", hint, want)
		}
	}
	link := tab.eval("the link", `(() => { const a = document.querySelector("#conn-hint a");
		return a ? [a.href, a.target, a.rel, a.textContent].join(" | ") : ""; })()`)
	origin := "https://" + other.HTTPSAddr
	if want := origin + "/ | _blank | noopener noreferrer | " + origin; link != want {
		t.Errorf("link = %q, want %q", link, want)
	}
	if n := tab.eval("log line", `String([...document.querySelectorAll("#log li.error .body")]
		.filter(b => b.textContent.includes("certificate this browser has not accepted")).length)`); n != "1" {
		t.Errorf("%s log lines with the hint, want 1", n)
	}

	// The page's own server connects, and the hint goes away.
	connect("wss://" + page.HTTPSAddr + "/ws")
	tab.waitState("open")
	if hidden := tab.eval("the hint after a good connection", `String(document.getElementById("conn-hint").hidden)`); hidden != "true" {
		t.Errorf("hint still shown after connecting to the page's own server")
	}

	// The browser's own report of the failed WebSocket is expected; the
	// page itself must add no console error, exception or CSP violation.
	expected, _ := tab.checkProblems(func(p string) bool {
		return strings.Contains(p, "WebSocket connection to '"+otherURL+"' failed")
	})
	t.Logf("browser reports of the refused certificate: %d", expected)
}
