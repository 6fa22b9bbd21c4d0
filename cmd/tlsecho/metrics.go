package main

import (
	"crypto/tls"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
	"github.com/tlsecho/tlsecho/ws"
)

// metrics holds the Prometheus collectors of one server, in a registry of
// its own rather than the library's global default, so tests can run
// several servers in one process.
//
// The listener label takes the listeners' names everywhere: "tls" (raw
// TLS), "https", "http" and "admin", as listener.Conn.Listener has them.
// A WebSocket connection is counted by the listener it came through
// ("https" or "http"), in metrics of its own.
type metrics struct {
	reg *prometheus.Registry

	conns          *prometheus.CounterVec
	refused        *prometheus.CounterVec
	handshakes     *prometheus.CounterVec
	handshakeFails *prometheus.CounterVec
	handshakeTime  *prometheus.HistogramVec
	wsConns        *prometheus.CounterVec
	wsActive       *prometheus.GaugeVec
	wsCloses       *prometheus.CounterVec
	rawCloses      *prometheus.CounterVec
	faults         *prometheus.CounterVec
}

// tlsListeners are the listeners that run TLS handshakes.
var tlsListeners = []string{"tls", "https"}

// newMetrics makes the collectors of a server whose TLS handshakes may
// take up to handshakeTimeout.
func newMetrics(handshakeTimeout time.Duration) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		conns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_connections_total",
			Help: "TCP connections accepted, by listener (those refused at the limit are in tlsecho_connections_refused_total).",
		}, []string{"listener"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_connections_refused_total",
			Help: "Connections closed at accept because TLSECHO_MAX_CONNS was reached, by listener.",
		}, []string{"listener"}),
		handshakes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_tls_handshakes_total",
			Help: "Completed TLS handshakes, by listener (tls, https) and version (TLS 1.2, TLS 1.3).",
		}, []string{"listener", "version"}),
		handshakeFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_tls_handshake_failures_total",
			Help: "Failed or timed-out TLS handshakes (plain text, old versions, silent clients, a refused PROXY header), by listener (tls, https).",
		}, []string{"listener"}),
		handshakeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tlsecho_tls_handshake_seconds",
			Help:    "Duration of completed TLS handshakes, by listener (tls, https).",
			Buckets: handshakeBuckets(handshakeTimeout),
		}, []string{"listener"}),
		wsConns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_ws_connections_total",
			Help: "WebSocket connections upgraded, by the listener they came through (https, http).",
		}, []string{"listener"}),
		wsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tlsecho_ws_connections_active",
			Help: "WebSocket connections open now, by the listener they came through (https, http).",
		}, []string{"listener"}),
		wsCloses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_ws_closes_total",
			Help: "WebSocket connections ended, by the close code sent or received: 0 (dropped without one), a code of the IANA registry (1000-1015) by number, 3000-3999 or 4000-4999 (one label per range), other.",
		}, []string{"code"}),
	}
	m.rawCloses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tlsecho_raw_closes_total",
		Help: "Raw TLS connections ended after their handshake, by reason: client (it stopped sending and had everything echoed), idle (silent for TLSECHO_IDLE_TIMEOUT), stuck (took none of a write for that long), shutdown, fault (a close, fin, rst or blackhole verb), error (a reset, an alert or another error).",
	}, []string{"reason"})
	// Every reason shows from the first scrape, at 0, as the verbs do.
	for _, r := range rawtls.EndReasons() {
		m.rawCloses.WithLabelValues(r.String())
	}
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tlsecho_faults_total",
		Help: "Faults that took effect on a connection, by verb (see README, Faults).",
	}, []string{"verb"})
	// Every verb shows from the first scrape, at 0: a dashboard need not
	// wait for a fault to learn the series exists.
	for _, v := range fault.VerbNames() {
		m.faults.WithLabelValues(v)
	}
	m.reg.MustRegister(m.conns, m.refused, m.handshakes, m.handshakeFails, m.handshakeTime,
		m.wsConns, m.wsActive, m.wsCloses, m.rawCloses, m.faults,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// handshakeBuckets are the buckets of tlsecho_tls_handshake_seconds:
// from 0.5 ms, a handshake on a local network, doubling up to 4 s at
// least and on to the handshake timeout, which a completed handshake
// may take: one longer than the top bucket would count in +Inf only,
// and histogram_quantile would answer with the top bucket's bound,
// hiding how slow handshakes got just when a server is overloaded.
func handshakeBuckets(timeout time.Duration) []float64 {
	const first = 0.0005
	n := 14 // 0.5 ms to 4.096 s
	for first*math.Pow(2, float64(n-1)) < timeout.Seconds() {
		n++
	}
	return prometheus.ExponentialBuckets(first, 2, n)
}

// watch adds gauges read at scrape time from the certificate source and
// the WebSocket servers (nil ones skipped), so they cannot go stale.
func (m *metrics) watch(src *certs.Source, raw *rawtls.Server, wsrvs ...*ws.Server) {
	m.reg.MustRegister(
		rawBytes("in", func(s rawtls.Stats) int64 { return s.BytesRead }, raw),
		rawBytes("out", func(s rawtls.Stats) int64 { return s.BytesWritten }, raw),
		wsCounter("tlsecho_ws_messages_total", "WebSocket messages received whole and passed to the echo (a fault may then drop them), by type (text, binary).", "text",
			func(s ws.Stats) int64 { return s.TextMessages }, wsrvs),
		wsCounter("tlsecho_ws_messages_total", "WebSocket messages received whole and passed to the echo (a fault may then drop them), by type (text, binary).", "binary",
			func(s ws.Stats) int64 { return s.BinaryMessages }, wsrvs),
		wsCounter("tlsecho_ws_message_bytes_total", "Payload bytes of WebSocket messages received whole and passed to the echo, by type (text, binary).", "text",
			func(s ws.Stats) int64 { return s.TextBytes }, wsrvs),
		wsCounter("tlsecho_ws_message_bytes_total", "Payload bytes of WebSocket messages received whole and passed to the echo, by type (text, binary).", "binary",
			func(s ws.Stats) int64 { return s.BinaryBytes }, wsrvs),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_certificate_not_after_seconds",
			Help: "Expiry of the certificate served now, as a Unix time: alert on it minus time().",
		}, func() float64 { return float64(src.Leaf().NotAfter.Unix()) }),
	)
	m.reg.MustRegister(reloadSeries("tlsecho_certificate", src.ReloadStats, reloadHelp{
		reloads:    "Reloads of the certificate files (on SIGHUP or a file change), by result (ok: loaded, the same certificate again included; failed: refused, the previous certificate still serves).",
		successful: "1 when the last reload of the certificate files loaded them (or none was tried), 0 when it was refused and the previous certificate still serves.",
		timestamp:  "When the certificate served was last loaded, at the start or by a reload that worked, as a Unix time.",
	}))
}

// watchReady adds tlsecho_ready, read at scrape time from what /readyz
// answers by, so the two cannot disagree.
func (m *metrics) watchReady(ready func() bool) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tlsecho_ready",
		Help: "1 while /readyz answers 200; 0 once the shutdown has begun (SIGTERM or SIGINT), through TLSECHO_DRAIN_DELAY and the drain.",
	}, func() float64 {
		if ready() {
			return 1
		}
		return 0
	}))
}

// watchListener adds the series of a bound listener: its open connections,
// read at scrape time, and at 0 from the first scrape the counters one
// alerts on (refusals; handshake failures on a TLS listener; WebSocket
// connections on a page listener), so an alert rule finds its series
// before the first event.
func (m *metrics) watchListener(l *listener.Listener, name string) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tlsecho_connections_active", Help: "Connections open now, handshaking ones included, by listener.",
		ConstLabels: prometheus.Labels{"listener": name},
	}, func() float64 { return float64(l.Active()) }))
	m.conns.WithLabelValues(name)
	m.refused.WithLabelValues(name)
	if slices.Contains(tlsListeners, name) {
		m.handshakeFails.WithLabelValues(name)
		m.handshakeTime.WithLabelValues(name)
	}
	if name == "https" || name == "http" {
		m.wsConns.WithLabelValues(name)
		m.wsActive.WithLabelValues(name)
	}
}

// handshakeSeries are one TLS listener's handshake series, looked up once.
type handshakeSeries struct {
	fails, tls13 prometheus.Counter
	seconds      prometheus.Observer
}

// listenerHooks counts the connections accepted and refused on the
// listeners named, those that are on, and the handshakes of the TLS
// listeners among them. A listener that is off gets no series: a
// dashboard or an alert grouped by listener would show it as one that
// is there and idle.
func (m *metrics) listenerHooks(names []string) *listener.Hooks {
	// The series of every connection are looked up once, here.
	series := make(map[string]*handshakeSeries, len(tlsListeners))
	accepted := make(map[string]prometheus.Counter, len(names))
	for _, name := range names {
		accepted[name] = m.conns.WithLabelValues(name)
		if slices.Contains(tlsListeners, name) {
			series[name] = &handshakeSeries{
				fails:   m.handshakeFails.WithLabelValues(name),
				tls13:   m.handshakes.WithLabelValues(name, tls.VersionName(tls.VersionTLS13)),
				seconds: m.handshakeTime.WithLabelValues(name),
			}
		}
	}
	return &listener.Hooks{
		Refused: func(name string) { m.refused.WithLabelValues(name).Inc() },
		Accepted: func(c *listener.Conn) {
			if a := accepted[c.Listener]; a != nil {
				a.Inc()
			}
		},
		Handshake: func(c *listener.Conn, h listener.Handshake) {
			s := series[c.Listener]
			if s == nil {
				return // a PROXY stage that failed on the plain HTTP listener
			}
			if h.Err != nil {
				s.fails.Inc()
				return
			}
			if h.State.Version == tls.VersionTLS13 {
				s.tls13.Inc()
			} else {
				m.handshakes.WithLabelValues(c.Listener, tls.VersionName(h.State.Version)).Inc()
			}
			s.seconds.Observe(h.Took.Seconds())
		},
	}
}

// rawBytes is tlsecho_raw_bytes_total in one direction, read at scrape
// time from the raw TLS server's own counts, open connections included.
func rawBytes(direction string, value func(rawtls.Stats) int64, raw *rawtls.Server) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name:        "tlsecho_raw_bytes_total",
		Help:        "Bytes inside TLS read from raw TLS clients and echoed to them, open connections included, by direction (in: read, out: written).",
		ConstLabels: prometheus.Labels{"direction": direction},
	}, func() float64 { return float64(value(raw.Stats())) })
}

// wsCounter is a counter of one message type summed from the ws servers'
// own atomic counts at scrape time, so the echo path does no label lookup
// per message.
func wsCounter(name, help, kind string, value func(ws.Stats) int64, wsrvs []*ws.Server) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: name, Help: help, ConstLabels: prometheus.Labels{"type": kind},
	}, func() float64 {
		var n int64
		for _, s := range wsrvs {
			if s != nil {
				n += value(s.Stats())
			}
		}
		return float64(n)
	})
}

// wsHooks count the WebSocket connections of the ws.Server that serves
// /ws on the listener named (each page listener has its own), and their
// close codes.
func (m *metrics) wsHooks(name string) *ws.Hooks {
	total, active := m.wsConns.WithLabelValues(name), m.wsActive.WithLabelValues(name)
	return &ws.Hooks{
		Opened: func(*ws.Conn) {
			total.Inc()
			active.Inc()
		},
		Closed: func(c *ws.Conn) {
			active.Dec()
			m.wsCloses.WithLabelValues(closeCodeLabel(c.CloseCode())).Inc()
		},
	}
}

// rawHooks count the raw TLS connections' ends by reason, each series
// looked up once, here: a connection's end costs an index and an add.
func (m *metrics) rawHooks() *rawtls.Hooks {
	reasons := rawtls.EndReasons()
	closes := make([]prometheus.Counter, len(reasons))
	for i, r := range reasons {
		closes[i] = m.rawCloses.WithLabelValues(r.String())
	}
	return &rawtls.Hooks{
		Closed: func(c *rawtls.Conn) {
			if r := int(c.EndReason()); r < len(closes) {
				closes[r].Inc()
			}
		},
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// faultApplied counts a verb taking effect, for fault.Options.Applied.
func (m *metrics) faultApplied(verb string) { m.faults.WithLabelValues(verb).Inc() }
