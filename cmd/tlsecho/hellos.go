package main

import (
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
				Resumed: hs.Err == nil && hs.State.DidResume, Hello: c.Hello, HelloTooThin: c.HelloTooThin, CertificateKey: leaf.PublicKeyAlgorithm, CertificateKeyName: tlsinfo.KeyName(leaf.PublicKey)})
		}
	}
	return h
}

// requestHello is the ClientHello of the connection a request came on.
func requestHello(r *http.Request) *tlsinfo.ClientHello {
	if c := listener.FromContext(r.Context()); c != nil {
		return c.Hello
	}
	return nil
}
