package main

import (
	"net"

	"github.com/tlsecho/tlsecho/listener"
)

// listen binds all listeners, or none: a failure closes those already open.
func (a *app) listen() (err error) {
	var opened []net.Listener
	defer func() {
		if err != nil {
			for _, l := range opened {
				l.Close()
			}
		}
	}()
	// The listeners about to be bound: only they get series.
	names := []string{"tls", "https"}
	if a.plain != nil {
		names = append(names, "http")
	}
	if a.admin != nil {
		names = append(names, "admin")
	}
	hooks := a.listenerHooks(names)
	a.countProxy(hooks)
	bind := func(varName, addr string, o listener.Options) (*listener.Listener, error) {
		l, err := listener.Listen(addr)
		if err != nil {
			return nil, &configError{Var: varName, Err: err}
		}
		opened = append(opened, l)
		o.HandshakeTimeout = a.cfg.HandshakeTimeout
		// TLSECHO_MAX_CONNS holds for every listener, so a flood of
		// scrapes or probes cannot exhaust descriptors either.
		o.MaxConns = a.cfg.MaxConns
		o.Logger = a.log
		o.Hooks = hooks
		ln := listener.New(l, o)
		a.metrics.watchListener(ln, o.Name)
		return ln, nil
	}
	if a.tlsLn, err = bind("TLSECHO_TLS_ADDR", a.cfg.TLSAddr, listener.Options{Name: "tls", TLSConfig: a.rawTLS, CaptureHello: true, Faults: a.faults, Proxy: a.proxy}); err != nil {
		return err
	}
	// KeepHello: /info shows the ClientHello of its own connection.
	if a.httpsLn, err = bind("TLSECHO_HTTPS_ADDR", a.cfg.HTTPSAddr, listener.Options{Name: "https", TLSConfig: a.httpsTLS, AnswerHTTP: true, CaptureHello: true, KeepHello: true, Faults: a.faults, Proxy: a.proxy}); err != nil {
		return err
	}
	if a.plain != nil {
		if a.plainLn, err = bind("TLSECHO_HTTP_ADDR", a.cfg.HTTPAddr, listener.Options{Name: "http", Proxy: a.proxy, Faults: a.faults}); err != nil {
			return err
		}
	}
	if a.admin != nil {
		if a.adminLn, err = bind("TLSECHO_ADMIN_ADDR", a.cfg.AdminAddr, listener.Options{Name: "admin"}); err != nil {
			return err
		}
	}
	return nil
}
