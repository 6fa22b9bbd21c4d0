package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"net/http"

	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// listenerHooks are the metrics' hooks of the listeners named, with every
// handshake on a TLS port, failed ones included, also kept for /hellos,
// timed by its end (the hook's call), as the list is ordered.
func (a *app) listenerHooks(names []string) *listener.Hooks {
	h := a.metrics.listenerHooks(names)
	count := h.Handshake
	h.Handshake = func(c *listener.Conn, hs listener.Handshake) {
		count(c, hs)
		if c.Listener == "tls" || c.Listener == "https" {
			leaf := a.src.Leaf()
			a.hellos.Add(tlsinfo.Record{Listener: c.Listener, Peer: c.Peer, Err: hs.Err,
				Resumed: hs.Err == nil && hs.State.DidResume, Hello: c.Hello, HelloTooThin: c.HelloTooThin, CertificateKey: leaf.PublicKeyAlgorithm, CertificateCurve: curveName(leaf)})
		}
	}
	return h
}

// curveName is the curve of leaf's ECDSA key ("P-256"), or "" for
// another kind of key.
func curveName(leaf *x509.Certificate) string {
	if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); ok {
		return k.Curve.Params().Name
	}
	return ""
}

// requestHello is the ClientHello of the connection a request came on.
func requestHello(r *http.Request) *tlsinfo.ClientHello {
	if c := listener.FromContext(r.Context()); c != nil {
		return c.Hello
	}
	return nil
}
