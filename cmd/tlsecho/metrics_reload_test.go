package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricValue is the value of series (name and labels as /metrics writes
// them) in body; ok is false when body has no such series.
func metricValue(body, series string) (v float64, ok bool) {
	for line := range strings.Lines(body) {
		rest, found := strings.CutPrefix(line, series+" ")
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		return v, err == nil
	}
	return 0, false
}

// scrapeEvery is how often waitMetric and waitMetrics scrape /metrics.
// A scrape under -race costs both processes milliseconds of CPU, and
// some waits are for timeouts of seconds: at every 10 ms the scrapes
// were half of TestVanishedClients's CPU (3.0 s, 1.5 s at 50 ms). None
// of the tests times what it waits for to closer than that.
const scrapeEvery = 50 * time.Millisecond

// waitMetric waits until series has a value cond accepts, and returns the
// scrape it found it in.
func waitMetric(t *testing.T, client *http.Client, adminAddr, series string, cond func(float64) bool) string {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		body := scrapeMetrics(t, client, adminAddr)
		if v, ok := metricValue(body, series); ok && cond(v) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v /metrics has no acceptable %s:\n%s", ioWait, series, body)
		}
		time.Sleep(scrapeEvery)
	}
}

// TestMetricsCertificateReload: a certificate file replaced by a broken
// one shows in the metrics as a failed reload and a last reload that did
// not work, the load time unchanged; the good file put back shows as a
// reload that worked, at a later load time. An operator can alert on the
// new certificate not loading.
func TestMetricsCertificateReload(t *testing.T) {
	t.Parallel()
	pair := newReloadPair(t, "old.test")
	ta := startApp(t, map[string]string{"CERT_FILE": pair.certFile, "KEY_FILE": pair.keyFile})
	waitLogged(t, ta, "watching certificate files")
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	const (
		ok         = `tlsecho_certificate_reloads_total{result="ok"}`
		failed     = `tlsecho_certificate_reloads_total{result="failed"}`
		successful = `tlsecho_certificate_last_reload_successful`
		loadedAt   = `tlsecho_certificate_last_reload_success_timestamp_seconds`
	)
	body := scrapeMetrics(t, client, ta.AdminAddr)
	if miss := missingMetrics(body, ok+" 0", failed+" 0", successful+" 1"); len(miss) > 0 {
		t.Fatalf("before any reload, /metrics lacks %q:\n%s", miss, body)
	}
	if strings.Contains(body, "tlsecho_client_ca_") {
		t.Errorf("without TLSECHO_CLIENT_CA_FILE, /metrics has client CA series:\n%s", body)
	}
	started, _ := metricValue(body, loadedAt)
	if now := float64(time.Now().Unix()); started < now-60 || started > now+1 {
		t.Fatalf("%s = %v at the start, want about %v", loadedAt, started, now)
	}

	goodKey := filepath.Join(t.TempDir(), "key.pem")
	keyPEM, err := os.ReadFile(pair.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goodKey, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	installByRename(t, garbage, pair.keyFile)
	body = waitMetric(t, client, ta.AdminAddr, failed, func(v float64) bool { return v >= 1 })
	if miss := missingMetrics(body, ok+" 0", successful+" 0"); len(miss) > 0 {
		t.Errorf("after a refused reload, /metrics lacks %q:\n%s", miss, body)
	}
	if v, _ := metricValue(body, loadedAt); v != started {
		t.Errorf("%s = %v after a refused reload, want the start's %v", loadedAt, v, started)
	}

	installByRename(t, goodKey, pair.keyFile)
	body = waitMetric(t, client, ta.AdminAddr, ok, func(v float64) bool { return v >= 1 })
	if miss := missingMetrics(body, successful+" 1"); len(miss) > 0 {
		t.Errorf("after a reload that worked, /metrics lacks %q:\n%s", miss, body)
	}
	if v, _ := metricValue(body, loadedAt); v <= started {
		t.Errorf("%s = %v after a reload that worked, want later than the start's %v", loadedAt, v, started)
	}
}
