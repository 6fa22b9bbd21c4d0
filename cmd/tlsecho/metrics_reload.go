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
// the client CA file each have their own, of the same shape.
func reloadSeries(prefix string, stats func() certs.ReloadStats, help reloadHelp) []prometheus.Collector {
	reloads := func(result string, value func(certs.ReloadStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        prefix + "_reloads_total",
			Help:        help.reloads,
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(value(stats())) })
	}
	return []prometheus.Collector{
		reloads("ok", func(r certs.ReloadStats) int64 { return r.OK }),
		reloads("failed", func(r certs.ReloadStats) int64 { return r.Failed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: prefix + "_last_reload_successful",
			Help: help.successful,
		}, func() float64 {
			if stats().LastFailed {
				return 0
			}
			return 1
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: prefix + "_last_reload_success_timestamp_seconds",
			Help: help.timestamp,
		}, func() float64 { return float64(stats().Loaded.UnixNano()) / 1e9 }),
	}
}
