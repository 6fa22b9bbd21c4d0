package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// screenshotEnv, set to 1, makes TestBrowserWorkbench write the committed
// docs/screenshot.png; otherwise the picture goes to a temporary directory
// so a test run never dirties the tree.
const screenshotEnv = "TLSECHO_UPDATE_SCREENSHOT"

// TestBrowserWorkbench drives the test page in a real Chromium against the
// real server: it connects, sends text, hex and a file, runs a burst,
// disconnects, and checks the info panel, the headers, the console and
// every request the page made.
func TestBrowserWorkbench(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"WS_COMPRESSION": "true"})
	tab := newBrowser(t)
	start := time.Now()
	base := "https://" + ta.HTTPSAddr
	_, rawPort, _ := net.SplitHostPort(ta.TLSAddr)

	resp := tab.load(base + "/")
	checkPageHeaders(t, "/ (as the browser saw it)", func(name string) string {
		for k, v := range resp.Headers {
			if strings.EqualFold(k, name) {
				return fmt.Sprint(v)
			}
		}
		return ""
	})

	// The info panel fills from /info.
	tab.waitInfo()
	if got, want := tab.text("#info-subject"), ta.src.Leaf().Subject.String(); got != want {
		t.Errorf("info subject = %q, want %q", got, want)
	}
	if got := tab.text("#info-issuer"); !strings.HasSuffix(got, "(self-signed)") {
		t.Errorf("info issuer = %q, want it marked self-signed", got)
	}
	if got := tab.text("#info-tls"); !strings.HasPrefix(got, "TLS 1.3") {
		t.Errorf("info TLS = %q, want TLS 1.3 first", got)
	}
	if got := tab.text("#info-cipher"); !strings.HasPrefix(got, "TLS_") {
		t.Errorf("info cipher = %q, want a TLS_ suite name", got)
	}
	// Chromium and Go both put the post-quantum hybrid first.
	if got := tab.text("#info-kx"); got != "X25519MLKEM768" {
		t.Errorf("info key exchange = %q, want X25519MLKEM768", got)
	}
	if got := tab.text("#info-key"); got != "ECDSA P-256, signed ECDSA-SHA256" {
		t.Errorf("info key = %q, want the generated certificate's ECDSA P-256, signed ECDSA-SHA256", got)
	}
	if got, want := tab.text("#info-sha256"), tlsinfo.DescribeCertificate(ta.src.Leaf()).SHA256Colons(); got != want {
		t.Errorf("info SHA-256 = %q, want %q", got, want)
	}
	if got, want := tab.text("#cmd-openssl"), "openssl s_client -connect 127.0.0.1:"+rawPort; got != want {
		t.Errorf("openssl line = %q, want %q", got, want)
	}
	if got, want := tab.text("#cmd-client"), "tlsecho client tls://127.0.0.1:"+rawPort; got != want {
		t.Errorf("client line = %q, want %q", got, want)
	}
	if got := tab.text("#info-compression"); !strings.Contains(got, "permessage-deflate") {
		t.Errorf("info compression = %q, want permessage-deflate (WS_COMPRESSION=true)", got)
	}
	if got, want := tab.eval("default URL", `document.getElementById("url").value`), "wss://"+ta.HTTPSAddr+"/ws"; got != want {
		t.Errorf("default URL = %q, want %q", got, want)
	}

	// Connect with the keyboard: Enter in a field of the connection form.
	tab.do("connect", chromedp.Focus(chromedp.CSS("#proto")), chromedp.KeyEvent("\r"))
	tab.waitState("open")
	if got := tab.text("#neg-ext"); !strings.Contains(got, "permessage-deflate") {
		t.Errorf("negotiated extensions = %q, want permessage-deflate", got)
	}

	// Text, typed and sent with Enter.
	const msg = "hello from Chromium ✓"
	tab.send(msg)
	rtt := tab.waitFor("the text echo", recvLine(`b === `+jsString(msg)))
	t.Logf("text echo: %s", rtt)

	// Binary from hex.
	tab.do("send hex", chromedp.SendKeys(chromedp.CSS("#hex-msg"), "de:ad:be:ef 00 0xff"), chromedp.Click(chromedp.CSS("#hex-btn")))
	tab.waitFor("the hex echo", recvLine(`k === "binary" && s === "6 B" && b === "de ad be ef 00 ff"`))

	// Binary from a chosen file.
	file := filepath.Join(t.TempDir(), "payload.bin")
	payload := make([]byte, 300)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	if err := os.WriteFile(file, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	tab.do("send file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}), chromedp.Click(chromedp.CSS("#file-btn")))
	tab.waitFor("the file echo", recvLine(`k === "binary" && s === "300 B" && b.startsWith("00 07 0e 15")`))

	// A burst of 100 messages of 1 KiB, each checked against its echo.
	tab.do("run burst",
		chromedp.SetValue(chromedp.CSS("#burst-n"), "100"),
		chromedp.SetValue(chromedp.CSS("#burst-size"), "1024"),
		chromedp.Click(chromedp.CSS("#burst-btn")))
	got := tab.waitFor("the burst", `(() => { const r = document.getElementById("burst-result");
		return r.dataset.state && r.dataset.state !== "running" ? r.dataset.state + " " + r.dataset.done + " " + r.dataset.mismatches : ""; })()`)
	if got != "done 100 0" {
		t.Fatalf("burst result (state done mismatches) = %q, want \"done 100 0\"; page says %q", got, tab.text("#burst-result"))
	}
	if got := tab.text("#st-count"); got != "103" {
		t.Errorf("RTT count = %q, want 103 (text, hex, file, 100 burst)", got)
	}
	if got := tab.text("#st-bad"); got != "0" {
		t.Errorf("mismatches = %q, want 0", got)
	}
	if n := tab.eval("flagged lines", `String(document.querySelectorAll("#log li.bad").length)`); n != "0" {
		t.Errorf("%s log lines marked bad, want 0", n)
	}
	for _, id := range []string{"#st-min", "#st-median", "#st-p99"} {
		if got := tab.text(id); !strings.HasSuffix(got, " ms") {
			t.Errorf("%s = %q, want a time in ms", id, got)
		}
	}
	// The chart is drawn: a good share of its pixels are painted.
	painted := tab.eval("chart pixels", `(() => { const c = document.getElementById("chart");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
		return String(n / (c.width * c.height)); })()`)
	if painted == "0" || strings.HasPrefix(painted, "0.00") {
		t.Errorf("chart painted fraction = %s, want a drawn chart", painted)
	}

	saveScreenshot(t, tab)

	// Disconnect and see the close code.
	tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	if got := tab.waitState("closed"); !strings.Contains(got, "1000") {
		t.Errorf("state after disconnect = %q, want close code 1000", got)
	}

	// Phone width: nothing sticks out sideways.
	tab.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	if got := tab.eval("overflow", `String(document.documentElement.scrollWidth - window.innerWidth)`); got != "0" {
		t.Errorf("at 390 px the page is %s px wider than the screen", got)
	}
	// Every control has a label, so it can be found by keyboard and
	// screen reader.
	if got := tab.eval("unlabelled controls", `[...document.querySelectorAll("input, button, select, textarea")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !(e.tagName === "BUTTON" && e.textContent.trim()))
		.map(e => e.id || e.outerHTML).join(", ")`); got != "" {
		t.Errorf("controls without a label: %s", got)
	}

	_, urls := tab.checkProblems(nil)
	checkSameOrigin(t, ta.HTTPSAddr, urls)
	t.Logf("browser run took %v", time.Since(start).Round(time.Millisecond))
}

// saveScreenshot writes the tab's page as docs/screenshot.png when
// screenshotEnv asks for it, else to a temporary directory.
func saveScreenshot(t *testing.T, tab *browserTab) {
	t.Helper()
	png, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := t.TempDir()
	if os.Getenv(screenshotEnv) == "1" {
		dir = filepath.Join("..", "..", "docs")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "screenshot.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// checkPageHeaders checks the security headers of a page or asset.
func checkPageHeaders(t *testing.T, what string, get func(string) string) {
	t.Helper()
	csp := get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	wantDirectives := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
	}
	for name, want := range wantDirectives {
		if got := directives[name]; got != want {
			t.Errorf("%s: CSP %s = %q, want %q (CSP %q)", what, name, got, want, csp)
		}
	}
	for name, value := range directives {
		for _, src := range strings.Fields(value) {
			if src == "*" || strings.HasPrefix(src, "'unsafe-") || src == "data:" && name != "img-src" {
				t.Errorf("%s: CSP %s allows %s: %q", what, name, src, csp)
			}
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	} {
		if got := get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
}

// TestHTTPSHeaders checks every file of the page, as the real server
// sends it, for the security headers and the right content type.
func TestHTTPSHeaders(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	tests := []struct {
		name, path, contentType string
	}{
		{"page", "/", "text/html; charset=utf-8"},
		{"script", "/app.js", "text/javascript; charset=utf-8"},
		{"style", "/style.css", "text/css; charset=utf-8"},
		{"icon", "/favicon.svg", "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get("https://localhost:" + portOf(t, ta.HTTPSAddr) + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			checkPageHeaders(t, tt.path, resp.Header.Get)
		})
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// TestHTTPSInfo checks /info as the real server wires it: the certificate
// it serves, and commands that reach the raw TLS listener where it is
// really bound: here ::1, while the page is asked for as localhost on
// 127.0.0.1. The suggested tlsecho client command is then run.
func TestHTTPSInfo(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	ta := startApp(t, map[string]string{"TLS_ADDR": "[::1]:0"})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://localhost:" + portOf(t, ta.HTTPSAddr) + "/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Certificate struct {
			Subject string `json:"subject"`
		} `json:"certificate"`
		TLS struct {
			Version string `json:"version"`
		} `json:"tls"`
		RawTLS struct {
			OpenSSL string `json:"openssl"`
			Client  string `json:"tlsecho"`
		} `json:"raw_tls"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decode /info: %v", err)
	}
	rawPort := portOf(t, ta.TLSAddr)
	checks := []struct{ name, got, want string }{
		{"subject", got.Certificate.Subject, ta.src.Leaf().Subject.String()},
		{"version", got.TLS.Version, "TLS 1.3"},
		{"openssl", got.RawTLS.OpenSSL, "openssl s_client -connect [::1]:" + rawPort + " -servername localhost"},
		{"client", got.RawTLS.Client, "tlsecho client -servername localhost tls://[::1]:" + rawPort},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	// The start log suggests the same command.
	if line := waitLogged(t, ta, `msg="try it"`); !strings.Contains(line, strconv.Quote(got.RawTLS.OpenSSL)) {
		t.Errorf("start log %q does not suggest %q", line, got.RawTLS.OpenSSL)
	}
	args, ok := strings.CutPrefix(got.RawTLS.Client, "tlsecho client ")
	if !ok {
		t.Fatalf("not a tlsecho client command: %q", got.RawTLS.Client)
	}
	r := runClient(t, "", append([]string{"-ca", writeCertFile(t, ta.src.Leaf())}, append(strings.Fields(args), "reached")...)...)
	r.want(t, exitOK, []string{"reached"}, nil)
}
