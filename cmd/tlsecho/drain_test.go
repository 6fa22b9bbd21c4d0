package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// readyz is the admin /readyz status, or 0 when it does not answer.
func readyz(adminAddr string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + adminAddr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitNotReady waits until /readyz answers 503.
func waitNotReady(t testing.TB, adminAddr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for readyz(adminAddr) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not turn 503 within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDrainDelay: on shutdown with TLSECHO_DRAIN_DELAY, /readyz turns 503
// at once, yet new raw TLS and wss clients are served and open ones keep
// echoing for the delay; then the drain closes them as usual.
func TestDrainDelay(t *testing.T) {
	t.Parallel()
	const delay = 2 * time.Second
	ta := startApp(t, map[string]string{"DRAIN_DELAY": delay.String(), "SHUTDOWN_TIMEOUT": "5s"})
	held := dialWS(t, ta.HTTPSAddr)
	defer held.Close()

	cancelled := time.Now()
	ta.cancel()
	waitNotReady(t, ta.AdminAddr)
	// The two seconds leave ample room for these few round trips on a
	// loaded machine; they only have to start before the delay ends.
	ta.echoOnce(t, ta.clientTLS(), "new raw client during the delay\n")
	fresh := dialWS(t, ta.HTTPSAddr)
	defer fresh.Close()
	for _, c := range []*websocket.Conn{held, fresh} {
		if err := c.WriteMessage(websocket.TextMessage, []byte("during the delay")); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "during the delay" {
			t.Fatalf("ws echo during the delay: %q, %v", msg, err)
		}
	}
	if took := time.Since(cancelled); took >= delay {
		t.Fatalf("the checks took %v, longer than the %v delay; they prove nothing", took, delay)
	}
	waitLogged(t, ta, "not ready; serving new connections until the drain")

	// Then the drain: 1001 to WebSocket clients, once the delay is over.
	for _, c := range []*websocket.Conn{held, fresh} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("ws client after the delay: %v, want close 1001", err)
		}
	}
	if took := time.Since(cancelled); took < delay {
		t.Errorf("the drain began %v after shutdown, before the %v delay", took, delay)
	}
	ta.Stop(t)
	if _, err := http.Get("http://" + ta.HTTPSAddr + "/"); err == nil {
		t.Error("the HTTPS listener still accepts after shutdown")
	}
}

// TestDrainDelayWithinShutdownTimeout: the delay counts inside
// TLSECHO_SHUTDOWN_TIMEOUT, so a client that never falls quiet is cut at
// the timeout counted from the signal, not from the end of the delay.
func TestDrainDelayWithinShutdownTimeout(t *testing.T) {
	t.Parallel()
	const delay, timeout = 1500 * time.Millisecond, 3 * time.Second
	ta := startApp(t, map[string]string{"DRAIN_DELAY": delay.String(), "SHUTDOWN_TIMEOUT": timeout.String()})
	busy := newStreamer(t, ta.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop) // never quiet: only the timeout ends its drain

	cancelled := time.Now()
	ta.Stop(t)
	took := time.Since(cancelled)
	// Done right, it stops near 2.7s (the timeout less its margin); with
	// the delay added on top it would take 4.2s. The bounds sit between,
	// more than a second from either, for a loaded machine.
	if took < delay || took > timeout+800*time.Millisecond {
		t.Errorf("stopped %v after shutdown began; want between the %v delay and the %v timeout", took, delay, timeout)
	}
	select {
	case <-busy.readDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the busy client was not closed")
	}
}

// TestProbesNotCached: both probes tell caches not to keep their answer,
// and the log format is taken in either case (JSON lines come out).
func TestProbesNotCached(t *testing.T) {
	t.Parallel()
	p := startProc(t, "TLSECHO_LOG_FORMAT=JSON")
	c := &http.Client{Timeout: ioWait}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := c.Get("http://" + p.AdminAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || got != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q; want 200 and no-store", path, resp.StatusCode, got)
		}
	}
}
