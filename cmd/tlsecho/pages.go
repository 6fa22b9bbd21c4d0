package main

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/web"
	"github.com/tlsecho/tlsecho/ws"
)

// maxHeaderBytes bounds a request's line and headers on every HTTP
// listener: a browser, a probe or a scraper sends a few KiB at most, and
// net/http's default (1 MiB) would let each connection make the server
// read and parse a MiB of headers, 10,000 fields of them, before any
// handler ran. Past the bound net/http answers 431 and closes.
const maxHeaderBytes = 64 << 10

// newHTTPS builds the HTTPS listener's server (TLSECHO_HTTPS_ADDR), the
// page and /ws, and its TLS configuration.
func (a *app) newHTTPS(opts certs.Options) (*http.Server, *tls.Config) {
	tc := a.src.TLSConfig(opts)
	// HTTP/1.1 only: WebSocket needs it (RFC 8441's WebSocket over HTTP/2
	// is not supported by gorilla), and browsers then use it for the page too.
	// "http/1.0" is there for clients that offer nothing else, as curl 7.88
	// to 8.4 do under --http1.0: crypto/tls refuses a handshake whose ALPN
	// offer shares nothing with this list, and net/http serves either as
	// HTTP/1.x. Listed second, it is chosen only when http/1.1 is not offered.
	tc.NextProtos = []string{"http/1.1", "http/1.0"}
	a.httpsConns = listener.NewHTTPConns(a.answerWithin())
	return &http.Server{
		Handler: a.pageHandler("https", a.ws),
		// The listener has done the handshake; the request finds its
		// listener.Conn in its context.
		ConnContext:       listener.ConnContext,
		ReadHeaderTimeout: a.cfg.HandshakeTimeout,
		// A request's body too must arrive within the handshake timeout,
		// as its headers must. Nothing here takes a body, but net/http
		// reads what a request declared before the next one, with no
		// deadline of its own: a body declared and never sent would hold
		// the connection, and its slot, for good. An upgraded /ws
		// connection has the deadline cleared (gorilla does).
		ReadTimeout: a.cfg.HandshakeTimeout,
		// An answer the client takes none of for TLSECHO_IDLE_TIMEOUT,
		// once its request is in, ends the connection, as silence does
		// (answerWithin): without a write deadline a
		// client that sends pipelined requests and never reads holds the
		// connection, blocked writing, for as long as it keeps it open.
		// The hook sets that deadline in place of WriteTimeout, and cuts
		// the close_notify of every close net/http makes to half a
		// second, not the 5 s crypto/tls gives it, for a client that has
		// stopped reading. An upgraded /ws connection has the deadline
		// cleared (net/http's hijack does) and closes by its own bounds.
		ConnState:      a.httpsConns.ConnState,
		IdleTimeout:    a.cfg.IdleTimeout,
		MaxHeaderBytes: maxHeaderBytes,
		// OPTIONS * goes through the router (otherTargets).
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(a.log.With("listener", "https").Handler(), slog.LevelDebug),
	}, tc
}

// answerWithin is how long a page port's answer has to go out, counted
// from its request's headers, as listener.HTTPConns counts it. The body
// may take up to TLSECHO_HANDSHAKE_TIMEOUT of that (ReadTimeout), and
// net/http reads a body no handler took just before it writes the
// answer: counted from the headers alone, TLSECHO_IDLE_TIMEOUT below
// TLSECHO_HANDSHAKE_TIMEOUT would leave a request whose body came in
// time, after a pause, with its answer's time already gone, read and
// then dropped unanswered. So the answer gets the idle timeout after the
// longest the request may take, as net/http advises a WriteTimeout above
// the ReadTimeout.
func (a *app) answerWithin() time.Duration {
	return a.cfg.HandshakeTimeout + a.cfg.IdleTimeout
}

// newWS builds the WebSocket server of the page listener named ("https"
// or "http"). Its records carry the listener's name, as the metrics and
// /hellos do: a wss connection logs listener=https, a ws one listener=http.
func (a *app) newWS(name string) *ws.Server {
	return &ws.Server{
		Handler:         ws.Echo(),
		MaxMessageBytes: a.cfg.MaxMessageBytes,
		AllowedOrigins:  a.cfg.AllowedOrigins,
		OriginsSetting:  "TLSECHO_ALLOWED_ORIGINS",
		Compression:     a.cfg.WSCompression,
		PingInterval:    a.cfg.PingInterval,
		IdleTimeout:     a.cfg.IdleTimeout,
		Logger:          a.log.With("listener", name),
		Hooks:           a.metrics.wsHooks(name),
		Faults:          a.faults,
	}
}

// pageHandler serves the page, /info, /healthz and /ws (with wsrv) on the
// listener named: "https", or "http" behind a proxy that ends TLS. The
// page's files are routed one by one, so an unknown path is 404 for every
// method.
func (a *app) pageHandler(name string, wsrv *ws.Server) http.Handler {
	r := newRouter(a.log.With("listener", name), nil, web.SecurityHeaders)
	r.Use(a.closeWhenDraining)
	r.Get("/healthz", healthz)
	r.Get("/ws", a.serveWS(name, wsrv))
	r.Handle("/info", &web.InfoHandler{Certificate: a.src.Leaf, Compression: a.cfg.WSCompression, MaxMessageBytes: wsrv.MessageLimit(),
		ClientAuth: a.cfg.ClientCAFile != "", RawTLSAddr: func() net.Addr { return a.tlsLn.Addr() },
		ClientHello: requestHello, Faults: a.faults.Describe(), Balancer: requestBalancer, UpstreamTLS: requestUpstreamTLS, ProxyRequired: a.cfg.ProxyProtocol == "require"})
	page := web.Handler()
	for _, p := range web.Paths() {
		r.Method(http.MethodGet, p, page)
	}
	return r
}

// serveWS serves /ws with wsrv, and logs the verified client certificate
// (mTLS) of a wss request before the upgrade, as the raw TLS port logs it
// with each handshake.
func (a *app) serveWS(name string, wsrv *ws.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			attrs := listener.FromContext(r.Context()).WithBalancer([]any{"listener", name, "peer", r.RemoteAddr})
			a.log.Debug("wss client certificate", append(attrs, "client", r.TLS.PeerCertificates[0].Subject.String())...)
		}
		wsrv.ServeHTTP(w, r)
	}
}

// healthz answers the liveness probe of the page and admin listeners.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}
