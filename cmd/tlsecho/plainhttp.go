package main

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/web"
)

// newPlainHTTP builds the plain HTTP listener's server (TLSECHO_HTTP_ADDR):
// the HTTPS port's page, /ws, /info and /healthz, for behind an ingress or
// a load balancer that ends TLS itself. X-Forwarded-For and -Proto count
// here only, and only from TLSECHO_PROXY_TRUSTED peers: on the TLS ports
// the scheme and the client are known first hand.
func (a *app) newPlainHTTP() *http.Server {
	trusted, _ := a.cfg.trustedPrefixes() // checked with the configuration
	a.plainConns = listener.NewHTTPConns(a.answerWithin())
	return &http.Server{
		Handler:           &web.Forwarded{Trusted: trusted, Relayed: requestRelayed, Next: a.pageHandler("http", a.plainWS)},
		ConnContext:       listener.ConnContext,
		ReadHeaderTimeout: a.cfg.HandshakeTimeout,
		// The body too, as on the HTTPS port (newHTTPS).
		ReadTimeout: a.cfg.HandshakeTimeout,
		// And the write deadline, as on the HTTPS port.
		ConnState:      a.plainConns.ConnState,
		IdleTimeout:    a.cfg.IdleTimeout,
		MaxHeaderBytes: maxHeaderBytes,
		// OPTIONS * goes through the router (otherTargets).
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(a.log.With("listener", "http").Handler(), slog.LevelDebug),
	}
}

// requestRelayed reports whether the PROXY header of the request's
// connection named a client that is not a TCP one (a Unix socket, a UDP
// address): the balancer stays the peer, but the bytes, and so the
// X-Forwarded headers, are that client's (web.Forwarded.Relayed).
func requestRelayed(r *http.Request) bool {
	c := listener.FromContext(r.Context())
	return c != nil && c.ProxySource != nil && c.Balancer == nil
}

// requestBalancer is the load balancer that sent the PROXY header of the
// request's connection, for /info.
func requestBalancer(r *http.Request) net.Addr {
	if c := listener.FromContext(r.Context()); c != nil {
		return c.Balancer
	}
	return nil
}
