package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// pageWatch collects, from the browser's own event stream, what the page
// must never do: write an error to the console, throw, or load anything
// from another origin.
type pageWatch struct {
	mu       sync.Mutex
	problems []string
	urls     []string
}

// listen runs on chromedp's reader goroutine: it only records.
func (w *pageWatch) listen(ev any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			w.problems = append(w.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		w.problems = append(w.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
	case *cdplog.EventEntryAdded:
		// The browser reports CSP violations and failed loads here.
		if e.Entry.Level == cdplog.EntryLevelError {
			w.problems = append(w.problems, "browser log ("+string(e.Entry.Source)+"): "+e.Entry.Text)
		}
	case *network.EventRequestWillBeSent:
		w.urls = append(w.urls, e.Request.URL)
	case *network.EventWebSocketCreated:
		w.urls = append(w.urls, e.URL)
	}
}

func (w *pageWatch) snapshot() (problems, urls []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.problems...), append([]string(nil), w.urls...)
}

// browserTab is one tab of a headless Chromium that a test drives. Each
// method fails the test on error; a wait that runs out says what the page
// had complained of by then.
type browserTab struct {
	t     *testing.T
	ctx   context.Context
	watch *pageWatch
}

// newBrowser opens a tab of headless Chromium that accepts any
// certificate, in a browser context of its own (cookies, cache, sockets,
// as a fresh profile has them), disposed with the test. The tabs share
// one browser process (sharedChromium): a browser per test cost a second
// of CPU each to start, on a suite that runs on two cores.
func newBrowser(t *testing.T) *browserTab {
	t.Helper()
	skipWithoutChromium(t)
	bctx, err := chromium.start()
	if errors.Is(err, errNoShortScratch) {
		t.Skipf("Chromium cannot start here: %v", err)
	}
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	watch := &pageWatch{}
	tabCtx, tabCancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(watch.listen))
	// One deadline for the whole tab: a hung page fails the test instead
	// of hanging it.
	ctx, cancel := context.WithTimeout(tabCtx, 60*time.Second)
	t.Cleanup(func() {
		cancel()
		tabCancel() // closes the tab and disposes its browser context
	})
	return &browserTab{t: t, ctx: ctx, watch: watch}
}

// skipWithoutChromium skips, as the openssl tests do, where the browser
// is missing; the README's test command (and so CI) installs it.
func skipWithoutChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s: install the chromium package (apt-get install -y chromium) to run the browser test", chromiumPath)
	}
}

// singletonSocket is what Chromium adds to its TMPDIR for the socket of
// its process singleton (process_singleton_posix.cc), with the six random
// characters of its mkdtemp.
const singletonSocket = "/org.chromium.Chromium.XXXXXX/SingletonSocket"

// maxSocketPath is the longest path a Unix socket can be bound at on every
// Unix: sun_path holds 104 bytes on the BSDs and macOS, 108 on Linux, the
// terminating NUL included.
const maxSocketPath = 103

// errNoShortScratch says that no directory for Chromium's scratch was
// short enough for its singleton socket.
var errNoShortScratch = errors.New("no writable temporary directory is short enough for Chromium's singleton socket")

// browserScratch makes the directory a Chromium of the tests gets as its
// profile, its TMPDIR and its HOME, for the caller to remove once the browser has
// exited. Chromium binds its singleton socket under $TMPDIR, and a socket's
// path holds at most 103 bytes: under a TMPDIR of 90 it died at start
// ("Socket path too long"), so where TMPDIR leaves no room the directory
// is made under /tmp. Its own TMPDIR also keeps the socket's directory,
// which Chromium leaves behind when it is killed, out of the machine's.
func browserScratch() (string, error) {
	var tried []string
	for _, parent := range []string{os.TempDir(), "/tmp"} {
		dir, err := os.MkdirTemp(parent, "tlsecho-chromium-")
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		if len(dir)+len(singletonSocket) <= maxSocketPath {
			return dir, nil
		}
		os.Remove(dir)
		tried = append(tried, fmt.Sprintf("%s would make it %d bytes, over %d", parent, len(dir)+len(singletonSocket), maxSocketPath))
	}
	return "", fmt.Errorf("%w: %s", errNoShortScratch, strings.Join(tried, "; "))
}

// browserOptions are the flags of every headless Chromium the tests
// start, with certs deciding which certificates it accepts, and scratch
// (from browserScratch) its profile and temporary directory.
func browserOptions(certs chromedp.ExecAllocatorOption, scratch string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		certs,
		chromedp.Flag("disable-background-networking", true),
		// Headless Chromium is the whole browser with its window hidden:
		// every window (each tab's browser context opens one) preloads
		// the address bar's pop-ups, built as web pages in a renderer of
		// their own. Nothing here ever shows them, and they were half the
		// browser's CPU time on a suite that runs on two cores: a second
		// at start and 0.6 s per tab. The first two names are chromedp's
		// defaults, which this flag replaces.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup"),
		chromedp.UserDataDir(scratch),
		// Its HOME too: Chromium writes its crash reports' settings, an
		// NSS database and a dconf cache there, which were left in the
		// user's home (and made it, where HOME did not exist).
		chromedp.Env("TMPDIR="+scratch, "HOME="+scratch, "XDG_CONFIG_HOME="+scratch+"/.config",
			"XDG_CACHE_HOME="+scratch+"/.cache", "XDG_DATA_HOME="+scratch+"/.local/share"),
		chromedp.WindowSize(1280, 1000),
	)
}

// sharedChromium is the browser newBrowser's tabs share, started by the
// first of them and ended by TestMain after the last test.
type sharedChromium struct {
	once sync.Once
	ctx  context.Context // the browser's chromedp context
	err  error
	stop func()
}

// chromium is this test binary's shared browser.
var chromium sharedChromium

// start starts the browser once and returns its context.
func (s *sharedChromium) start() (context.Context, error) {
	s.once.Do(func() {
		dir, err := browserScratch()
		if err != nil {
			s.err = err
			return
		}
		allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(),
			append(browserOptions(chromedp.Flag("ignore-certificate-errors", true), dir),
				chromedp.Flag("host-resolver-rules", rebindRules))...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		s.stop = func() {
			cancel()
			allocCancel() // waits for the browser process to exit
			os.RemoveAll(dir)
		}
		s.ctx, s.err = ctx, chromedp.Do(ctx) // the first run starts the browser
	})
	return s.ctx, s.err
}

// close ends the browser, if it was started.
func (s *sharedChromium) close() {
	if s.stop != nil {
		s.stop()
	}
}

// newBrowserWith starts a headless Chromium of its own, with certs
// deciding which certificates it accepts, for the tests that need other
// flags than newBrowser's.
func newBrowserWith(t *testing.T, certs chromedp.ExecAllocatorOption) *browserTab {
	t.Helper()
	skipWithoutChromium(t)
	scratch, err := browserScratch()
	if err != nil {
		t.Skipf("Chromium cannot start here: %v", err)
	}
	// Removed last, once allocCancel has waited for the browser to exit.
	t.Cleanup(func() { os.RemoveAll(scratch) })
	// One deadline for the whole browser: a hung page fails the test
	// instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, browserOptions(certs, scratch)...)
	watch := &pageWatch{}
	tabCtx, tabCancel := chromedp.NewContext(allocCtx, chromedp.WithListener(watch.listen))
	t.Cleanup(func() {
		tabCancel()
		allocCancel() // waits for the browser process to exit
		cancel()
	})
	return &browserTab{t: t, ctx: tabCtx, watch: watch}
}

// pageTab opens url, a page port's page, in a new tab of the shared
// browser and waits for its info panel.
func pageTab(t *testing.T, url string) *browserTab {
	t.Helper()
	tab := newBrowser(t)
	tab.load(url)
	tab.waitInfo()
	return tab
}

// with is the tab driven by t, a subtest of the test that opened it.
func (b *browserTab) with(t *testing.T) *browserTab {
	c := *b
	c.t = t
	return &c
}

// load navigates to url and fails unless it answers 200.
func (b *browserTab) load(url string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("load %s: %v", url, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("GET %s = %d, want 200", url, resp.Status)
	}
	return resp
}

// do runs actions, what naming them in a failure.
func (b *browserTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text is the text content of the element sel selects.
func (b *browserTab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression that yields a string.
func (b *browserTab) eval(what, expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return s
}

// waitFor polls a JavaScript expression until it is truthy and returns
// its value as a string. The page reacts to the server within
// milliseconds; 10 seconds leaves room for a loaded machine under -race.
func (b *browserTab) waitFor(what, expr string) string {
	b.t.Helper()
	return b.waitForWithin(what, 10*time.Second, expr)
}

// waitForWithin is waitFor with its own bound, for a wait on the page's
// work on much input rather than its reaction to one event.
func (b *browserTab) waitForWithin(what string, bound time.Duration, expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(bound)))
	if err != nil {
		problems, _ := b.watch.snapshot()
		b.t.Fatalf("waiting for %s: %v (page problems so far: %q)", what, err, problems)
	}
	return s
}

// waitInfo waits for the info panel to fill from /info.
func (b *browserTab) waitInfo() {
	b.t.Helper()
	b.waitFor("the info panel", `document.getElementById("info").dataset.loaded === "true" ? "yes" : ""`)
}

// waitState waits for the page's connection state ("open", "closed") and
// returns the state line as the page shows it.
func (b *browserTab) waitState(state string) string {
	b.t.Helper()
	return b.waitFor("state "+state, `(() => { const s = document.getElementById("state");
		return s.dataset.state === `+jsString(state)+` ? s.textContent || s.dataset.state : ""; })()`)
}

// connect clicks the page's Connect button.
func (b *browserTab) connect() {
	b.t.Helper()
	b.do("connect", chromedp.Click(chromedp.CSS("#connect-btn")))
}

// send types msg into the text field and sends it with Enter.
func (b *browserTab) send(msg string) {
	b.t.Helper()
	b.do("send "+msg, chromedp.SendKeys(chromedp.CSS("#text-msg"), msg+"\n"))
}

// checkProblems fails the test for each console error, exception or
// browser error the page caused, but those expected says are expected,
// and returns how many were expected and every URL the page requested.
// A nil expected expects none.
func (b *browserTab) checkProblems(expected func(problem string) bool) (n int, urls []string) {
	b.t.Helper()
	problems, urls := b.watch.snapshot()
	for _, p := range problems {
		if expected != nil && expected(p) {
			n++
			continue
		}
		b.t.Errorf("page problem: %s", p)
	}
	return n, urls
}

// recvLine builds a poll expression that finds a received log line: in
// cond, b is its body text, k its kind and s its size. It yields the RTT
// text of the first match that carries one and is not marked bad.
func recvLine(cond string) string {
	return `(() => { for (const li of document.querySelectorAll("#log li.recv")) {
		const b = li.querySelector(".body").textContent, k = li.querySelector(".kind").textContent,
			s = li.querySelector(".size").textContent, r = li.querySelector(".rtt");
		if ((` + cond + `) && !li.classList.contains("bad") && r.dataset.ms) return r.textContent;
	} return ""; })()`
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return fmt.Sprintf("%q", s)
}

// checkSameOrigin fails on any request the page made that left the
// server's origin; the WebSocket must go to the same host and port.
func checkSameOrigin(t *testing.T, hostPort string, urls []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("request to unparsable URL %q", raw)
			continue
		}
		switch {
		case u.Scheme == "https" && u.Host == hostPort:
		case u.Scheme == "wss" && u.Host == hostPort:
		default:
			t.Errorf("the page loaded %s, outside its origin https://%s", raw, hostPort)
		}
		seen[u.Scheme+" "+u.Path] = true
	}
	// Proves the watch saw the traffic, so an empty list cannot pass.
	for _, want := range []string{"https /", "https /app.js", "https /style.css", "https /info", "wss /ws"} {
		if !seen[want] {
			t.Errorf("no request for %s among %q", want, urls)
		}
	}
}
