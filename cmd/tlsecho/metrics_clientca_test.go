package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsClientCAReload: a client CA file overwritten in place with a
// broken one shows in the metrics as a failed client CA reload and a
// last reload that did not work, its load time unchanged; the good file
// written back shows as a reload that worked, at a later load time. An
// operator can alert on a client CA that did not load, which
// tlsecho_certificate_reloads_total (the pair's) does not tell.
func TestMetricsClientCAReload(t *testing.T) {
	t.Parallel()
	_, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	good, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(live, good, 0o644); err != nil {
		t.Fatal(err)
	}
	ta := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": live})
	waitLogged(t, ta, "watching certificate files")
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	const (
		ok         = `tlsecho_client_ca_reloads_total{result="ok"}`
		failed     = `tlsecho_client_ca_reloads_total{result="failed"}`
		successful = `tlsecho_client_ca_last_reload_successful`
		loadedAt   = `tlsecho_client_ca_last_reload_success_timestamp_seconds`
	)
	body := scrapeMetrics(t, client, ta.AdminAddr)
	if miss := missingMetrics(body, ok+" 0", failed+" 0", successful+" 1"); len(miss) > 0 {
		t.Fatalf("before any reload, /metrics lacks %q:\n%s", miss, body)
	}
	for _, typ := range []string{
		"tlsecho_client_ca_reloads_total counter",
		"tlsecho_client_ca_last_reload_successful gauge",
		"tlsecho_client_ca_last_reload_success_timestamp_seconds gauge",
	} {
		if !strings.Contains(body, "# TYPE "+typ+"\n") {
			t.Errorf("/metrics lacks # TYPE %s", typ)
		}
	}
	started, _ := metricValue(body, loadedAt)
	if now := float64(time.Now().Unix()); started < now-60 || started > now+1 {
		t.Fatalf("%s = %v at the start, want about %v", loadedAt, started, now)
	}

	broken := []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(live, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	body = waitMetric(t, client, ta.AdminAddr, successful, func(v float64) bool { return v == 0 })
	if v, _ := metricValue(body, failed); v < 1 {
		t.Errorf("%s = %v after a refused reload, want at least 1:\n%s", failed, v, body)
	}
	if v, _ := metricValue(body, loadedAt); v != started {
		t.Errorf("%s = %v after a refused reload, want the start's %v", loadedAt, v, started)
	}

	if err := os.WriteFile(live, good, 0o644); err != nil {
		t.Fatal(err)
	}
	body = waitMetric(t, client, ta.AdminAddr, successful, func(v float64) bool { return v == 1 })
	if v, _ := metricValue(body, ok); v < 1 {
		t.Errorf("%s = %v after a reload that worked, want at least 1:\n%s", ok, v, body)
	}
	if v, _ := metricValue(body, loadedAt); v <= started {
		t.Errorf("%s = %v after a reload that worked, want later than the start's %v", loadedAt, v, started)
	}
}
