package main

import "github.com/tlsecho/tlsecho/certs"

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
	m.reg.MustRegister(reloadSeries("tlsecho_client_ca", src.ClientCAReloadStats, reloadHelp{
		reloads:    "Reloads of TLSECHO_CLIENT_CA_FILE (with the certificate files, on SIGHUP or a file change), by result (ok: loaded, the same CAs again included; failed: refused, clients still verified against the previous CAs).",
		successful: "1 when the last reload of TLSECHO_CLIENT_CA_FILE loaded it (or none was tried), 0 when it was refused and clients are still verified against the previous CAs.",
		timestamp:  "When the client CAs verified against were last loaded, at the start or by a reload that worked, as a Unix time.",
	}))
}
