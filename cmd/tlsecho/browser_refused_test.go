package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// wsAttempts counts the WebSocket connections the page opened.
func wsAttempts(tab *browserTab) int {
	_, urls := tab.watch.snapshot()
	n := 0
	for _, u := range urls {
		if strings.HasPrefix(u, "wss:") {
			n++
		}
	}
	return n
}

// failedLoad tells the browser's reports of a connection the server did
// not take, which these tests cause on purpose.
func failedLoad(p string) bool {
	return strings.Contains(p, "ERR_CONNECTION") || strings.Contains(p, "WebSocket") || strings.Contains(p, "status of 400")
}

// TestBrowserServerGone: the page's server stops, then comes back. The
// page says the server went away (1001 and its reason), says in words
// that a connect to a server that is not there got no answer, ends each
// time with Connect on and Disconnect and Send off, tries once per click
// and never on its own, and connects again once the server is back.
func TestBrowserServerGone(t *testing.T) {
	t.Parallel()
	// A short drain bounds the stop, whatever Chromium holds open.
	ta := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "1s"})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")

	ta.Stop(t)
	if got := tab.waitState("closed"); !strings.HasPrefix(got, "closed 1001 going away") || !strings.Contains(got, "shutting down") {
		t.Errorf("state %q after the server stopped, want 1001 and its reason", got)
	}
	if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
		t.Errorf("buttons (connect disconnect send) = %s after the server stopped, want 1 0 0", got)
	}

	tab.connect()
	why := tab.waitFor("the failure explained", logLine("error", "no answer from"))
	if !strings.Contains(why, "the server is down") {
		t.Errorf("the page says %q, want that the server is down", why)
	}
	if got := tab.waitState("closed"); !strings.HasPrefix(got, "closed 1006") {
		t.Errorf("state %q, want closed 1006", got)
	}
	if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
		t.Errorf("buttons (connect disconnect send) = %s after a failed connect, want 1 0 0", got)
	}

	// The same address again: the page's origin.
	startApp(t, map[string]string{"HTTPS_ADDR": ta.HTTPSAddr})
	tab.connect()
	tab.waitState("open")
	tab.send("back again")
	tab.waitFor("the echo", recvLine(`b === "back again"`))
	if n := wsAttempts(tab); n != 3 {
		t.Errorf("the page opened %d WebSocket connections for 3 clicks on Connect", n)
	}
	tab.checkProblems(failedLoad)
}

// TestBrowserConnectionLimit: with the page port at TLSECHO_MAX_CONNS, a
// connect fails, and the page names the limit as the likely cause instead
// of leaving a bare 1006; once connections go, it connects.
func TestBrowserConnectionLimit(t *testing.T) {
	t.Parallel()
	const limit = 12
	ta := startApp(t, map[string]string{"MAX_CONNS": "12", "HANDSHAKE_TIMEOUT": "60s"})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for n := ta.httpsLn.Active(); n < limit; n++ {
		c, err := net.DialTimeout("tcp", ta.HTTPSAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for deadline := time.Now().Add(ioWait); ta.httpsLn.Active() < limit; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections held", ta.httpsLn.Active(), limit)
		}
	}

	tab.connect()
	why := tab.waitFor("the failure explained", `(() => { const li = [...document.querySelectorAll("#log li.error")].find(li => li.textContent.includes("TLSECHO_MAX_CONNS"));
		return li ? li.textContent : ""; })()`)
	t.Logf("the page says: %s", why)
	if got := tab.waitState("closed"); !strings.HasPrefix(got, "closed 1006") {
		t.Errorf("state %q, want closed 1006", got)
	}
	if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
		t.Errorf("buttons (connect disconnect send) = %s after a refused connect, want 1 0 0", got)
	}

	for _, c := range held {
		c.Close()
	}
	held = nil
	for deadline := time.Now().Add(ioWait); ta.httpsLn.Active() >= limit; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still held after the test closed its own", ta.httpsLn.Active())
		}
	}
	tab.do("connect", chromedp.Click(chromedp.CSS("#connect-btn")))
	tab.waitState("open")
	tab.checkProblems(failedLoad)
}

// TestBrowserConnectAbandoned: Disconnect while a connect is still under
// way (the server holds the handshake) ends it without blaming the
// server: no reason is looked for and none is given.
func TestBrowserConnectAbandoned(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	// Every new connection: the WebSocket's, and any Chromium opens ahead.
	ta.arm(t, "https", "hsdelay:9s", "20")
	tab.connect()
	tab.waitState("connecting")
	tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	tab.waitState("closed")
	if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
		t.Errorf("buttons (connect disconnect send) = %s after a connect given up, want 1 0 0", got)
	}

	// A connect that works orders the page's requests after the first
	// one's end: any asking why would have gone out by then.
	ta.adminDo(t, "DELETE", "/faults")
	tab.connect()
	tab.waitState("open")
	if got := tab.eval("errors", `[...document.querySelectorAll("#log li.error")].map(li => li.textContent).join("\n")`); got != "" {
		t.Errorf("the page explains an end the user chose: %q", got)
	}
	_, urls := tab.watch.snapshot()
	for _, u := range urls {
		if strings.HasPrefix(u, "https:") && strings.Contains(u, "/ws") {
			t.Errorf("the page asked %s why a connect the user gave up failed", u)
		}
	}
	tab.checkProblems(failedLoad)
}
