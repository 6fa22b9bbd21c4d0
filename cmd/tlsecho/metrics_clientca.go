package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlsecho/tlsecho/certs"
)

// watchClientCA adds the series of the client CA file's reloads, read at
// scrape time from the certificate source, when there is one
// (TLSECHO_CLIENT_CA_FILE): a CA file that no longer loads leaves the
// previous CAs in use, so the clients of a CA just added are refused,
// and nothing else in the metrics says why. They are series of their own
// rather than a label on tlsecho_certificate_reloads_total, so the
// certificate's series, and the alerts already written on them, stay as
// they were; without mTLS there are none, as an alert on
// last_reload_successful == 0 should find nothing to watch.
func (m *metrics) watchClientCA(src *certs.Source) {
	if src.ClientCAFile() == "" {
		return
	}
	m.reg.MustRegister(
		clientCAReloads("ok", func(r certs.ReloadStats) int64 { return r.OK }, src),
		clientCAReloads("failed", func(r certs.ReloadStats) int64 { return r.Failed }, src),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_client_ca_last_reload_successful",
			Help: "1 when the last reload of TLSECHO_CLIENT_CA_FILE loaded it (or none was tried), 0 when it was refused and clients are still verified against the previous CAs.",
		}, func() float64 {
			if src.ClientCAReloadStats().LastFailed {
				return 0
			}
			return 1
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_client_ca_last_reload_success_timestamp_seconds",
			Help: "When the client CAs verified against were last loaded, at the start or by a reload that worked, as a Unix time.",
		}, func() float64 { return float64(src.ClientCAReloadStats().Loaded.UnixNano()) / 1e9 }),
	)
}

// clientCAReloads is tlsecho_client_ca_reloads_total with one result.
func clientCAReloads(result string, value func(certs.ReloadStats) int64, src *certs.Source) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name:        "tlsecho_client_ca_reloads_total",
		Help:        "Reloads of TLSECHO_CLIENT_CA_FILE (with the certificate files, on SIGHUP or a file change), by result (ok: loaded, the same CAs again included; failed: refused, clients still verified against the previous CAs).",
		ConstLabels: prometheus.Labels{"result": result},
	}, func() float64 { return float64(value(src.ClientCAReloadStats())) })
}
