package main

import (
	"crypto/tls"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// newRawTLS builds the raw TLS listener's echo server and its TLS
// configuration (TLSECHO_TLS_ADDR): bytes in, the same bytes out, for
// openssl s_client and the tlsecho client.
func (a *app) newRawTLS(opts certs.Options) (*rawtls.Server, *tls.Config) {
	return &rawtls.Server{
		Handler:     rawtls.Echo(),
		IdleTimeout: a.cfg.IdleTimeout,
		Logger:      a.log.With("listener", "tls"),
		Faults:      a.faults,
		Hooks:       a.metrics.rawHooks(),
	}, a.src.TLSConfig(opts)
}
