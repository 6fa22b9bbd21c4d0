package main

import (
	"crypto/tls"
	"net/http"
	"strconv"

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
type metrics struct {
	reg *prometheus.Registry

	conns          *prometheus.CounterVec
	refused        *prometheus.CounterVec
	handshakes     *prometheus.CounterVec
	handshakeFails *prometheus.CounterVec
	handshakeTime  prometheus.Histogram
	bytes          *prometheus.CounterVec
	wsCloses       *prometheus.CounterVec
	faults         *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		conns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_connections_total",
			Help: "Connections served (raw TLS after the handshake, WebSocket after the upgrade).",
		}, []string{"listener"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_connections_refused_total",
			Help: "Connections closed at accept because TLSECHO_MAX_CONNS was reached.",
		}, []string{"listener"}),
		handshakes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_tls_handshakes_total",
			Help: "Completed TLS handshakes on the raw TLS port, by version.",
		}, []string{"version"}),
		handshakeFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_tls_handshake_failures_total",
			Help: "Failed or timed-out TLS handshakes on the raw TLS port (plain text, old versions, silent clients).",
		}, []string{"listener"}),
		handshakeTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tlsecho_tls_handshake_seconds",
			Help:    "Duration of completed TLS handshakes on the raw TLS port.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms to 4 s
		}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_raw_bytes_total",
			Help: "Bytes read from and written to raw TLS clients, counted when each connection ends.",
		}, []string{"direction"}),
		wsCloses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tlsecho_ws_closes_total",
			Help: "WebSocket connections ended, by the close code sent or received (0: dropped without one).",
		}, []string{"code"}),
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
		m.bytes, m.wsCloses, m.faults,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// watch adds gauges read at scrape time from the servers and the
// certificate source, so they cannot go stale.
func (m *metrics) watch(raw *rawtls.Server, wsrv *ws.Server, src *certs.Source) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_connections_active", Help: "Connections open now.", ConstLabels: prometheus.Labels{"listener": "tls"},
		}, func() float64 { return float64(raw.Active()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_connections_active", Help: "Connections open now.", ConstLabels: prometheus.Labels{"listener": "ws"},
		}, func() float64 { return float64(wsrv.Active()) }),
		wsCounter("tlsecho_ws_messages_total", "WebSocket messages echoed, by type.", "text",
			func(s ws.Stats) int64 { return s.TextMessages }, wsrv),
		wsCounter("tlsecho_ws_messages_total", "WebSocket messages echoed, by type.", "binary",
			func(s ws.Stats) int64 { return s.BinaryMessages }, wsrv),
		wsCounter("tlsecho_ws_message_bytes_total", "Payload bytes of WebSocket messages echoed, by type.", "text",
			func(s ws.Stats) int64 { return s.TextBytes }, wsrv),
		wsCounter("tlsecho_ws_message_bytes_total", "Payload bytes of WebSocket messages echoed, by type.", "binary",
			func(s ws.Stats) int64 { return s.BinaryBytes }, wsrv),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tlsecho_certificate_not_after_seconds",
			Help: "Expiry of the certificate served now, as a Unix time: alert on it minus time().",
		}, func() float64 { return float64(src.Leaf().NotAfter.Unix()) }),
	)
}

// listenerHooks counts refusals on every listener, and the handshakes of
// the raw TLS port.
func (m *metrics) listenerHooks() *listener.Hooks {
	// The labels of every connection are looked up once, here.
	tls13 := m.handshakes.WithLabelValues(tls.VersionName(tls.VersionTLS13))
	return &listener.Hooks{
		Refused: func(name string) { m.refused.WithLabelValues(name).Inc() },
		Handshake: func(c *listener.Conn, h listener.Handshake) {
			if c.Listener != "tls" {
				return
			}
			if h.Err != nil {
				m.handshakeFails.WithLabelValues(c.Listener).Inc()
				return
			}
			if h.State.Version == tls.VersionTLS13 {
				tls13.Inc()
			} else {
				m.handshakes.WithLabelValues(tls.VersionName(h.State.Version)).Inc()
			}
			m.handshakeTime.Observe(h.Took.Seconds())
		},
	}
}

func (m *metrics) rawHooks() *rawtls.Hooks {
	conns := m.conns.WithLabelValues("tls")
	in, out := m.bytes.WithLabelValues("in"), m.bytes.WithLabelValues("out")
	return &rawtls.Hooks{
		Opened: func(*rawtls.Conn) { conns.Inc() },
		Closed: func(c *rawtls.Conn) {
			in.Add(float64(c.BytesRead()))
			out.Add(float64(c.BytesWritten()))
		},
	}
}

// wsCounter is a counter of one message type read from the ws server's
// own atomic counts at scrape time, so the echo path does no label lookup
// per message.
func wsCounter(name, help, kind string, value func(ws.Stats) int64, wsrv *ws.Server) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: name, Help: help, ConstLabels: prometheus.Labels{"type": kind},
	}, func() float64 { return float64(value(wsrv.Stats())) })
}

func (m *metrics) wsHooks() *ws.Hooks {
	conns := m.conns.WithLabelValues("ws")
	return &ws.Hooks{
		Opened: func(*ws.Conn) { conns.Inc() },
		Closed: func(c *ws.Conn) { m.wsCloses.WithLabelValues(strconv.Itoa(c.CloseCode())).Inc() },
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// faultApplied counts a verb taking effect, for fault.Options.Applied.
func (m *metrics) faultApplied(verb string) { m.faults.WithLabelValues(verb).Inc() }
