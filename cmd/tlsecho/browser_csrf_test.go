package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBrowserCrossSiteFaultsRefused opens, in headless Chromium, a page
// of another origin whose form posts to the admin port's /faults, as any
// web page a user visits could: no fault may be armed. A form post is a
// request the browser sends without asking the server first, so only the
// server can refuse it.
func TestBrowserCrossSiteFaultsRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	page := fmt.Sprintf(`<!doctype html><title>elsewhere</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" target="sink" action="http://%s/faults">
<input type="hidden" name="spec" value="rst">
<input type="hidden" name="listener" value="tls">
<input type="hidden" name="count" value="5">
</form>`, ta.AdminAddr)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer other.Close()

	tab := newBrowser(t)
	tab.load(other.URL + "/")
	// The answer goes into a frame, so the page stays to say when it came.
	tab.eval("submitting the form", `document.querySelector("iframe").addEventListener("load", () => { window.answered = "yes" }),
		document.getElementById("f").submit(), "sent"`)
	tab.waitFor("the admin port's answer", `window.answered || ""`)
	if problems, _ := tab.watch.snapshot(); !strings.Contains(strings.Join(problems, "\n"), "403") {
		t.Errorf("the browser's log = %q, want the post answered 403", problems)
	}

	armed := armedFaults(t, ta.AdminAddr)
	if len(armed) != 0 {
		t.Fatalf("GET /faults = %v after another site's form posted to it, want nothing armed", armed)
	}
	// The same request from curl or a script (no Origin, no
	// Sec-Fetch-Site) still arms the fault.
	resp, err := http.PostForm("http://"+ta.AdminAddr+"/faults", map[string][]string{"spec": {"rst"}, "listener": {"tls"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST /faults from a script = %d, want 201", resp.StatusCode)
	}
}
