package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
	"github.com/tlsecho/tlsecho/tlsinfo"
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
	hup, stopHup := catchHangup()
	defer stopHup()
	stopSigs := catchStop(stderr)
	defer stopSigs.release()
	cfg, err := loadConfig(environ)
	if err == nil {
		// Not ctx: a server told to stop as it starts still checks its
		// settings.
		err = checkNamedPorts(context.WithoutCancel(ctx), cfg.listenerAddrs(), lookupHost)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho: %s\n", oneLine(err))
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	// From here a signal's lines are in the configured format.
	stopSigs.log.Store(log)
	for _, u := range unknownVars(environ) {
		attrs := []any{"var", u.name}
		if u.meant != "" {
			attrs = append(attrs, "did_you_mean", u.meant)
		}
		log.Warn("not a tlsecho setting; ignored", attrs...)
	}
	a, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho: %s\n", oneLine(err))
		return exitUsage
	}
	a.hup = hup
	if err := a.listen(); err != nil {
		fmt.Fprintf(stderr, "tlsecho: %s\n", oneLine(err))
		return exitFailure
	}
	ctx, stop := onSignals(ctx, log, stopSigs)
	defer stop()
	if err := a.serve(ctx); err != nil {
		log.Error("server failed", "err", err)
		return exitFailure
	}
	return exitOK
}

// oneLine is err's message on one line: a value or a file name with a
// line break in it (a path in an os.PathError, say) would otherwise split
// the one line on stderr that the contract promises for a bad setting.
func oneLine(err error) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(err.Error())
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := cfg.slogLevel()
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: clipAttr}
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(jsonEscaper{w}, opts))
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

	raw   *rawtls.Server
	https *http.Server
	admin *http.Server
	plain *http.Server // TLSECHO_HTTP_ADDR, or nil
	// httpsConns and plainConns are the page servers' ConnState hooks,
	// which drain their idle connections at shutdown.
	httpsConns, plainConns *listener.HTTPConns
	rawTLS, httpsTLS       *tls.Config
	// ws and plainWS serve /ws on the HTTPS and the plain HTTP listener:
	// one each, so that their log records name the listener.
	ws, plainWS *ws.Server
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
	// hup holds the SIGHUPs caught since the command started, for
	// startReload; nil: startReload catches them itself.
	hup chan os.Signal
	// draining is set at the signal, when the drain delay begins: the
	// page ports then end each keep-alive connection after its answer.
	draining atomic.Bool
}

// newApp loads the certificate and builds the servers; it does not listen.
func newApp(cfg Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log, metrics: newMetrics(cfg.HandshakeTimeout)}
	var err error
	if cfg.CertFile != "" {
		a.src, err = certs.LoadFiles(cfg.CertFile, cfg.KeyFile)
	} else {
		a.src, err = certs.NewSelfSigned(cfg.Hosts)
		if errors.Is(err, certs.ErrTooManyHosts) {
			return nil, &configError{Var: "TLSECHO_HOSTS", Err: err}
		}
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

	a.raw, a.rawTLS = a.newRawTLS(tlsOpts)
	a.ws = a.newWS("https")
	a.https, a.httpsTLS = a.newHTTPS(tlsOpts)
	if cfg.HTTPAddr != "" {
		a.plainWS = a.newWS("http")
		a.plain = a.newPlainHTTP()
	}
	a.metrics.watch(a.src, a.raw, a.ws, a.plainWS)
	a.metrics.watchClientCA(a.src)
	a.metrics.watchReady(a.ready.Load)
	if cfg.AdminAddr != "" {
		a.admin = a.newAdmin()
	}
	return a, nil
}

// serve runs every listener until ctx ends, then shuts down within
// ShutdownTimeout. A listener failing on its own ends the server too.
func (a *app) serve(ctx context.Context) error {
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
	// After the start's lines: a SIGHUP caught while starting (a.hup
	// holds it) is then logged as a reload of the server that serves,
	// not ahead of the line that says it serves.
	stopReload := a.startReload(ctx)
	defer stopReload()

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
