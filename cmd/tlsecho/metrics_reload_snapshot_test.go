package main

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlsecho/tlsecho/certs"
)

// TestReloadSeriesOneReading: the reload series of one scrape come from
// one reading of the stats. Here every reading differs from the last (a
// reload between any two), as a scrape during reloads would find: read
// per series, a failed reload could show as last_reload_successful 0
// with reloads_total{result="failed"} not yet moved.
func TestReloadSeriesOneReading(t *testing.T) {
	var readings atomic.Int64
	stats := func() certs.ReloadStats {
		n := readings.Add(1)
		// Reloads alternate failed and ok: after reading n, n failed,
		// and the last one too when n is odd.
		return certs.ReloadStats{OK: n / 2 * 10, Failed: n, LastFailed: n%2 == 1, Loaded: time.Unix(n, 0)}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(reloadSeries("x", stats, reloadHelp{"r", "s", "t"}))
	for range 20 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				name := f.GetName()
				for _, l := range m.GetLabel() {
					name += "{" + l.GetValue() + "}"
				}
				values[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
		n := values["x_reloads_total{failed}"]
		want := map[string]float64{
			"x_reloads_total{ok}":                     float64(int64(n) / 2 * 10),
			"x_last_reload_successful":                float64(int64(n+1) % 2),
			"x_last_reload_success_timestamp_seconds": n,
		}
		for name, v := range want {
			if values[name] != v {
				t.Fatalf("one scrape mixes readings: %s = %v with failed %v (want %v): %v", name, values[name], n, v, values)
			}
		}
	}
}
