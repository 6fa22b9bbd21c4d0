package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
	"github.com/tlsecho/tlsecho/tlsinfo"
	"github.com/tlsecho/tlsecho/web"
	"github.com/tlsecho/tlsecho/ws"
)

// serveCmd runs the server until SIGINT or SIGTERM (or ctx ends), then
// shuts down gracefully.
func serveCmd(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "tlsecho: serve takes no arguments (got %q); it is configured by the environment, see tlsecho -h\n", args[0])
		return exitUsage
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho: %v\n", err)
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	a, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho: %v\n", err)
		return exitUsage
	}
	if err := a.listen(); err != nil {
		fmt.Fprintf(stderr, "tlsecho: %v\n", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Once the first signal starts the drain, give the signals back their
	// default action, so a second Ctrl-C ends an impatient wait at once.
	context.AfterFunc(ctx, func() {
		stop()
		log.Info("a second signal ends the process at once, without draining")
	})
	if err := a.serve(ctx); err != nil {
		log.Error("server failed", "err", err)
		return exitFailure
	}
	return exitOK
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := cfg.slogLevel()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (c *Config) slogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil || strings.ContainsAny(c.LogLevel, "+-") {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// app is one server process: three listeners around one certificate source.
type app struct {
	cfg     Config
	log     *slog.Logger
	src     *certs.Source
	metrics *metrics

	raw              *rawtls.Server
	ws               *ws.Server
	https            *http.Server
	admin            *http.Server
	plain            *http.Server // TLSECHO_HTTP_ADDR, or nil
	rawTLS, httpsTLS *tls.Config
	// faults gives connections their faults: armed on the admin port,
	// TLSECHO_FAULT, or /ws?fault=.
	faults *fault.Injector

	// Every port accepts through a listener.Listener: one connection
	// limit for all, the TLS handshake on the TLS ports.
	tlsLn, httpsLn, adminLn, plainLn *listener.Listener
	// proxy reads PROXY headers on every listener but admin; nil when off.
	proxy *listener.Proxy
	// hellos are the last ClientHellos of both TLS ports, for /hellos.
	hellos tlsinfo.Recent
	ready  atomic.Bool
}

// newApp loads the certificate and builds the servers; it does not listen.
func newApp(cfg Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log, metrics: newMetrics()}
	var err error
	if cfg.CertFile != "" {
		a.src, err = certs.LoadFiles(cfg.CertFile, cfg.KeyFile)
	} else {
		a.src, err = certs.NewSelfSigned(cfg.Hosts)
	}
	if err != nil {
		return nil, err
	}
	if a.proxy, err = cfg.proxyStage(); err != nil {
		return nil, &configError{Var: "TLSECHO_PROXY_TRUSTED", Err: err}
	}
	if cfg.ClientCAFile != "" {
		if err := a.src.RequireClientCerts(cfg.ClientCAFile); err != nil {
			return nil, &configError{Var: "TLSECHO_CLIENT_CA_FILE", Err: err}
		}
	}
	minV, _ := cfg.minVersion()
	tlsOpts := certs.Options{MinVersion: minV}
	fo, err := cfg.faultOptions()
	if err != nil {
		return nil, err
	}
	fo.Logger, fo.Applied = log, a.metrics.faultApplied
	if a.faults, err = fault.New(fo); err != nil {
		return nil, err
	}

	a.rawTLS = a.src.TLSConfig(tlsOpts)
	a.raw = &rawtls.Server{
		Handler:     rawtls.Echo(),
		IdleTimeout: cfg.IdleTimeout,
		Logger:      log.With("listener", "tls"),
		Hooks:       a.metrics.rawHooks(),
		Faults:      a.faults,
	}
	a.ws = &ws.Server{
		Handler:         ws.Echo(),
		MaxMessageBytes: cfg.MaxMessageBytes,
		AllowedOrigins:  cfg.AllowedOrigins,
		OriginsSetting:  "TLSECHO_ALLOWED_ORIGINS",
		Compression:     cfg.WSCompression,
		PingInterval:    cfg.PingInterval,
		IdleTimeout:     cfg.IdleTimeout,
		Logger:          log.With("listener", "ws"),
		Hooks:           a.metrics.wsHooks(),
		Faults:          a.faults,
	}
	a.metrics.watch(a.ws, a.src)
	a.httpsTLS = a.src.TLSConfig(tlsOpts)
	// HTTP/1.1 only: WebSocket needs it (RFC 8441's WebSocket over HTTP/2
	// is not supported by gorilla), and browsers then use it for the page too.
	a.httpsTLS.NextProtos = []string{"http/1.1"}
	a.https = &http.Server{
		Handler: a.pageHandler("https"),
		// The listener has done the handshake; the request finds its
		// listener.Conn in its context.
		ConnContext:       listener.ConnContext,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.With("listener", "https").Handler(), slog.LevelDebug),
	}
	if cfg.HTTPAddr != "" {
		a.plain = a.newPlainHTTP()
	}
	if cfg.AdminAddr != "" {
		a.admin = &http.Server{
			Handler:           a.adminHandler(),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       time.Minute,
			ErrorLog:          slog.NewLogLogger(log.With("listener", "admin").Handler(), slog.LevelDebug),
		}
	}
	return a, nil
}

// pageHandler serves the page, /ws, /info and /healthz on the listener
// named: "https", or "http" behind a proxy that ends TLS. The page's files
// are routed one by one, so an unknown path is 404 for every method.
func (a *app) pageHandler(name string) http.Handler {
	r := newRouter(a.log.With("listener", name), web.NotFound)
	r.Get("/healthz", healthz)
	r.Get("/ws", a.serveWS)
	r.Handle("/info", &web.InfoHandler{Certificate: a.src.Leaf, Compression: a.cfg.WSCompression, MaxMessageBytes: a.cfg.MaxMessageBytes,
		ClientAuth: a.cfg.ClientCAFile != "", RawTLSAddr: func() net.Addr { return a.tlsLn.Addr() },
		ClientHello: requestHello, Faults: a.faults.Describe(), Balancer: requestBalancer})
	page := web.Handler()
	for _, p := range web.Paths() {
		r.Method(http.MethodGet, p, page)
	}
	return r
}

// adminHandler serves the admin listener. /faults takes every method and
// answers 405 itself, naming the several it takes.
func (a *app) adminHandler() http.Handler {
	r := newRouter(a.log.With("listener", "admin"), nil)
	r.Get("/healthz", healthz)
	r.Method(http.MethodGet, "/metrics", a.metrics.handler())
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !a.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	r.Method(http.MethodGet, "/hellos", &a.hellos)
	r.Handle("/faults", a.faults.Handler())
	return r
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

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
	hooks := a.listenerHooks()
	a.countProxy(hooks)
	bind := func(varName, addr string, o listener.Options) (*listener.Listener, error) {
		l, err := net.Listen("tcp", addr)
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

// serve runs every listener until ctx ends, then shuts down within
// ShutdownTimeout. A listener failing on its own ends the server too.
func (a *app) serve(ctx context.Context) error {
	stopReload := a.startReload(ctx)
	defer stopReload()
	errc := make(chan error, 4)
	go func() { errc <- a.raw.Serve(a.tlsLn) }()
	go func() { errc <- a.https.Serve(a.httpsLn) }()
	if a.plain != nil {
		go func() { errc <- a.plain.Serve(a.plainLn) }()
	}
	if a.admin != nil {
		go func() { errc <- a.admin.Serve(a.adminLn) }()
	}
	a.ready.Store(true)
	a.logStart()

	var failed error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout, "drain_delay", a.cfg.DrainDelay)
		deadline := time.Now().Add(a.cfg.ShutdownTimeout)
		failed = a.delayDrain(errc)
		a.shutdown(deadline)
	case failed = <-errc:
		a.log.Error("listener failed; shutting down", "err", failed)
		a.shutdown(time.Now().Add(a.cfg.ShutdownTimeout))
	}
	return failed
}

// startReload reloads the certificate files and the client CA file when
// they change and on SIGHUP, until the returned stop is called. SIGHUP is
// caught even for an in-memory certificate, whose default action would
// end the process.
func (a *app) startReload(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				a.src.ReloadAndLog(a.log, "SIGHUP")
			}
		}
	})
	if f, _ := a.src.Files(); f != "" || a.src.ClientCAFile() != "" {
		wg.Go(func() {
			if err := a.src.Watch(ctx, a.log); err != nil {
				a.log.Warn("certificate files are not watched; send SIGHUP after replacing them", "err", err)
			}
		})
	}
	return func() {
		signal.Stop(hup)
		cancel()
		wg.Wait()
	}
}

// serveWS logs the verified client certificate (mTLS) of a wss request
// before the upgrade, as the raw TLS port logs it with each handshake.
func (a *app) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		a.log.Debug("wss client certificate", "listener", "ws", "peer", r.RemoteAddr, "client", r.TLS.PeerCertificates[0].Subject.String())
	}
	a.ws.ServeHTTP(w, r)
}

func (a *app) logStart() {
	attrs := []any{"tls", a.tlsLn.Addr().String(), "https", a.httpsLn.Addr().String()}
	if a.plainLn != nil {
		attrs = append(attrs, "http", a.plainLn.Addr().String())
	}
	if a.proxy != nil {
		attrs = append(attrs, "proxy_protocol", a.cfg.ProxyProtocol)
	}
	if a.adminLn != nil {
		attrs = append(attrs, "admin", a.adminLn.Addr().String())
	}
	attrs = append(attrs, "version", versionString())
	a.log.Info("tlsecho serving", attrs...)
	if a.adminLn != nil {
		a.log.Info("admin listening", "addr", a.adminLn.Addr().String(), "hint", adminHint(a.adminLn.Addr()))
	}
	leaf := a.src.Leaf()
	source := "self-signed, in memory"
	if f, _ := a.src.Files(); f != "" {
		source = f
	}
	a.log.Info("certificate",
		"source", source,
		"subject", leaf.Subject.String(),
		"dns", strings.Join(leaf.DNSNames, ","),
		"ips", fmt.Sprint(leaf.IPAddresses),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339),
		"sha256", certs.Fingerprint(leaf.Raw),
		"mtls", a.cfg.ClientCAFile != "")
	if time.Now().After(leaf.NotAfter) {
		a.log.Warn("certificate has expired; clients will refuse it", "not_after", leaf.NotAfter)
	}
	host := "localhost"
	if len(leaf.DNSNames) > 0 {
		host = leaf.DNSNames[0]
	}
	raw, _ := web.RawTLSCommands(host, a.tlsLn.Addr())
	try := []any{
		"page", "https://" + net.JoinHostPort(host, listenPort(a.httpsLn.Addr())) + "/",
		"raw", raw.OpenSSL,
	}
	if f, _ := a.src.Files(); f == "" {
		try = append(try, "hint", "the certificate is self-signed: accept it once in the browser, or make a trusted one with tlsecho cert -ca (see tlsecho cert -h)")
	}
	a.log.Info("try it", try...)
}

// adminHint says who can reach the admin port and how to change that. The
// default :9090 on every interface suits a container, but on a laptop it
// is a plain HTTP port next to any local Prometheus, open to the network.
func adminHint(addr net.Addr) string {
	const off = "or set TLSECHO_ADMIN_ADDR= (empty) to turn it off"
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return "plain HTTP, reachable from this machine only; move it with TLSECHO_ADMIN_ADDR=host:port, " + off
	}
	where := "every host that can reach " + addr.String()
	if ok && tcp.IP.IsUnspecified() {
		where = "every network interface"
	}
	return "plain HTTP without authentication, open on " + where +
		"; keep it on this machine with TLSECHO_ADMIN_ADDR=127.0.0.1:" + listenPort(addr) + ", " + off
}

func listenPort(addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return port
}

// shutdown drains every listener at once, to be done by deadline less a
// margin, so the process exits before an orchestrator's own deadline.
func (a *app) shutdown(deadline time.Time) {
	a.ready.Store(false)
	timeout := a.cfg.ShutdownTimeout
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-min(timeout/10, time.Second)))
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	report := func(name string, err error) {
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("drain cut short", "listener", name, "err", err)
		}
	}
	wg.Go(func() { report("tls", a.raw.Shutdown(ctx)) })
	wg.Go(func() { report("ws", a.ws.Shutdown(ctx)) })
	wg.Go(func() {
		if err := a.https.Shutdown(ctx); err != nil {
			report("https", err)
			a.https.Close()
		}
	})
	if a.plain != nil {
		wg.Go(func() {
			if err := a.plain.Shutdown(ctx); err != nil {
				report("http", err)
				a.plain.Close()
			}
		})
	}
	wg.Wait()
	if a.admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if a.admin.Shutdown(actx) != nil {
			a.admin.Close()
		}
		acancel()
	}
	a.log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
}
