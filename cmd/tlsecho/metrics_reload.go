package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlsecho/tlsecho/certs"
)

// reloadHelp are the HELP texts of one kind of file's reload series.
type reloadHelp struct{ reloads, successful, timestamp string }

// reloadSeries are the series of one kind of file's reloads, read at
// scrape time from stats: prefix_reloads_total by result (ok, failed),
// prefix_last_reload_successful (what to alert on) and
// prefix_last_reload_success_timestamp_seconds. The certificate pair and
// the client CA file each have their own, of the same shape. They are one
// collector reading stats once per scrape, so a scrape during a reload
// shows all of them before it or all after it: a failed reload is never
// last_reload_successful 0 with reloads_total{result="failed"} unmoved.
func reloadSeries(prefix string, stats func() certs.ReloadStats, help reloadHelp) prometheus.Collector {
	return &reloadCollector{
		stats:      stats,
		reloads:    prometheus.NewDesc(prefix+"_reloads_total", help.reloads, []string{"result"}, nil),
		successful: prometheus.NewDesc(prefix+"_last_reload_successful", help.successful, nil, nil),
		timestamp:  prometheus.NewDesc(prefix+"_last_reload_success_timestamp_seconds", help.timestamp, nil, nil),
	}
}

// reloadCollector is reloadSeries' collector.
type reloadCollector struct {
	stats                          func() certs.ReloadStats
	reloads, successful, timestamp *prometheus.Desc
}

// Describe sends the series' descriptions.
func (c *reloadCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.reloads
	ch <- c.successful
	ch <- c.timestamp
}

// Collect sends the series' values, from one reading of stats.
func (c *reloadCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.stats()
	ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(r.OK), "ok")
	ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(r.Failed), "failed")
	successful := 1.0
	if r.LastFailed {
		successful = 0
	}
	ch <- prometheus.MustNewConstMetric(c.successful, prometheus.GaugeValue, successful)
	ch <- prometheus.MustNewConstMetric(c.timestamp, prometheus.GaugeValue, float64(r.Loaded.UnixNano())/1e9)
}
