package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/echourl"
	"github.com/tlsecho/tlsecho/internal/flagint"
	"github.com/tlsecho/tlsecho/internal/term"
	"github.com/tlsecho/tlsecho/tlsinfo"
	wsecho "github.com/tlsecho/tlsecho/ws"
)

// clientOptions are the flags and arguments of `tlsecho client`, with the
// files they name already loaded.
type clientOptions struct {
	insecure     bool
	caFile       string
	certFile     string
	keyFile      string
	serverName   string
	timeout      time.Duration
	count        int
	subprotocols string
	compress     bool
	ping         bool
	verbose      bool
	proxyV2      bool
	proxySource  string

	target     clientTarget
	message    string
	hasMessage bool

	roots      *x509.CertPool   // system roots plus -ca
	clientCert *tls.Certificate // from -cert and -key, or nil
}

// clientTarget is the URL to connect to, taken apart.
type clientTarget struct {
	scheme string // "tls" or "wss"
	host   string // name or IP address, without brackets
	addr   string // host:port to dial
	url    string // the URL as given (wss dials it)
}

// errClientUsage marks errors that exit with exitUsage.
var errClientUsage = errors.New("usage")

func clientUsageErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errClientUsage}, args...)...)
}

func clientFlags(o *clientOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("tlsecho client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.insecure, "insecure", false, "skip certificate verification (DANGEROUS: anyone on the path can read and\nchange the connection); the report still says what verification would find")
	fs.StringVar(&o.caFile, "ca", "", "PEM `FILE` of CA certificates to trust in addition to the system roots")
	fs.StringVar(&o.certFile, "cert", "", "PEM client certificate `FILE` to present to mTLS servers; needs -key")
	fs.StringVar(&o.keyFile, "key", "", "PEM private key `FILE` of -cert")
	fs.StringVar(&o.serverName, "servername", "", "`NAME` sent as SNI and checked against the certificate\n(default: the URL's host when it is a name)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "limit for connecting plus the TLS and WebSocket handshakes, for each echo, and,\nafter the end of input, for each pause in what comes back")
	flagint.Var(fs, &o.count, "n", 1, "send MESSAGE `N` times on one connection and report round-trip times")
	fs.StringVar(&o.subprotocols, "subprotocol", "", "wss only: comma `LIST` of subprotocols to offer (Sec-WebSocket-Protocol)")
	fs.BoolVar(&o.compress, "compress", false, "wss only: offer permessage-deflate compression (Sec-WebSocket-Extensions)")
	fs.BoolVar(&o.ping, "ping", false, "wss only: send a ping before each message and report its pong (or none)")
	fs.BoolVar(&o.verbose, "v", false, "also print the ClientHello this client sent: its JA4 and JA3 fingerprints and what it offered")
	fs.BoolVar(&o.proxyV2, "proxy-v2", false, "send a PROXY protocol v2 header first, naming this client, as a load balancer\nwould: for a server behind TLSECHO_PROXY_PROTOCOL, tested directly")
	fs.StringVar(&o.proxySource, "proxy-source", "", "with -proxy-v2: the client `IP:PORT` the header names instead of this one")
	return fs
}

func clientUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: tlsecho client [flags] URL [MESSAGE]

Connects to a TLS or WebSocket-over-TLS echo server, prints the server's
certificate chain and what the handshake negotiated, then sends MESSAGE and
prints the echo. Without MESSAGE, each line of standard input is sent and its
echo printed as it comes, like openssl s_client or websocat, and checked: an
echo that differs from what was sent ends the run. At the end of input the
client stops sending and prints the rest until the server closes.

URL:
  tls://host:port           raw TLS, such as tlsecho's TLSECHO_TLS_ADDR
  wss://host[:port]/path    WebSocket over TLS, such as wss://localhost:8443/ws

The certificate is verified against the system roots (and -ca) by default.
Flags may come before or after the URL; a MESSAGE that starts with "-"
goes after "--".

Flags:
`)
	fs := clientFlags(&clientOptions{})
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Exit status:
  0    connected, verified (unless -insecure), every echo came back as it
       was sent and, on wss://, the server answered the close 1000 with 1000
       (or an empty close)
  1    connection, handshake, verification, echo or close failure, including
       timeouts
  2    usage error: bad flag, URL or file
  130  interrupted (Ctrl-C), after sending the close (close 1000 on wss://,
       close_notify on tls://) and giving the server a second to answer; a
       send the server does not take in that second is dropped with the
       connection
`)
}

// clientCmd is `tlsecho client`.
func clientCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sctx, stop := interruptible(ctx)
	defer stop()
	return clientSession(ctx, sctx, args, stdin, stdout, stderr)
}

// clientSession is clientCmd with the context that Ctrl-C ends, sctx
// (under ctx), given.
func clientSession(ctx, sctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseClientArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		clientUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho client: %s\nRun tlsecho client -h for usage.\n", strings.TrimPrefix(err.Error(), "usage: "))
		return exitUsage
	}
	c := &client{o: o, stdout: stdout, stderr: stderr, terminal: term.Is(stdout)}
	err = c.run(sctx, stdin)
	if sctx.Err() != nil && ctx.Err() == nil && (errors.Is(err, errInterrupted) || !c.began) {
		// Ctrl-C: the session sent its close and ended (errInterrupted
		// says how), or the signal came while connecting.
		if !errors.Is(err, errInterrupted) {
			err = fmt.Errorf("%w before the session began", errInterrupted)
		}
		fmt.Fprintf(stderr, "tlsecho client: %s\n", safeText(err.Error()))
		return exitInterrupted
	}
	// A Ctrl-C that came once the session had begun and was not heeded
	// (every wait of the session answers one with errInterrupted) came
	// after its outcome was settled, while the connection was closed:
	// there was nothing left to interrupt, and the outcome stands.
	if err != nil {
		// One line, whatever the server put in the names or the answer
		// the message quotes.
		fmt.Fprintf(stderr, "tlsecho client: %s\n", safeText(err.Error()))
		return exitFailure
	}
	return exitOK
}

// parseClientArgs reads flags and arguments, in any order (a MESSAGE that
// starts with "-" goes after "--"), and loads the files they name.
func parseClientArgs(args []string) (*clientOptions, error) {
	o := &clientOptions{}
	fs := clientFlags(o)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, clientUsageErr("%v", err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	switch len(pos) {
	case 0:
		return nil, clientUsageErr("missing URL (tls://host:port or wss://host:port/path)")
	case 1:
	case 2:
		o.message, o.hasMessage = pos[1], true
	default:
		return nil, clientUsageErr("too many arguments after the URL: quote a MESSAGE that has spaces")
	}
	t, err := parseClientURL(pos[0])
	if err != nil {
		return nil, err
	}
	o.target = t
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := o.load(); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *clientOptions) check() error {
	if o.timeout <= 0 {
		return clientUsageErr("-timeout must be positive, such as 5s, not %v", o.timeout)
	}
	if o.count < 1 {
		return clientUsageErr("-n must be at least 1, not %d", o.count)
	}
	if o.count > 1 && !o.hasMessage {
		return clientUsageErr("-n needs a MESSAGE; lines of standard input are each sent once")
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return clientUsageErr("-cert and -key go together: give both or neither")
	}
	if o.target.scheme != "wss" && (o.subprotocols != "" || o.compress || o.ping) {
		return clientUsageErr("-subprotocol, -compress and -ping are for wss:// URLs only")
	}
	if err := checkSubprotocols(o.subprotocols); err != nil {
		return err
	}
	return o.checkProxy()
}

// load reads -ca, -cert and -key. An unreadable file is a usage error:
// nothing was tried on the network yet.
func (o *clientOptions) load() error {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if o.caFile != "" {
		data, err := os.ReadFile(o.caFile)
		if err != nil {
			return clientUsageErr("-ca: %w", err)
		}
		cas, err := certs.ParseCAPEM(o.caFile, data)
		if err != nil {
			return clientUsageErr("-ca: %w", err)
		}
		for _, c := range cas {
			roots.AddCert(c)
		}
	}
	o.roots = roots
	if o.certFile != "" {
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return clientUsageErr("-cert %s -key %s: %w", o.certFile, o.keyFile, err)
		}
		o.clientCert = &cert
	}
	return nil
}

func parseClientURL(raw string) (clientTarget, error) {
	t, err := echourl.Parse(raw, "tls", "wss")
	if err != nil {
		return clientTarget{}, fmt.Errorf("%w: %w", errClientUsage, err)
	}
	return clientTarget{scheme: t.URL.Scheme, host: t.Host, addr: t.Addr, url: t.URL.String()}, nil
}

// client is one run of `tlsecho client`.
type client struct {
	o              *clientOptions
	stdout, stderr io.Writer
	// terminal tells that stdout is a terminal, where a session of
	// standard input escapes what the server sends (see streamOut).
	terminal bool

	// Filled in while connecting, for the report.
	remote              string
	connectTime         time.Duration
	proxyClient         string // the client a -proxy-v2 header named
	handshakeTime       time.Duration
	upgradeTime         time.Duration
	clientCertRequested bool
	// began is set once connected (and upgraded, on wss://): the session
	// has begun.
	began bool
	// hello records what the client wrote during its handshake, with -v.
	hello *tlsinfo.HelloRecorder
	// obs sees the records and frames the server sends.
	obs observer
	// pings counts the server's pings on wss://, for a wait that timed
	// out (see explainRead).
	pings pingTally
	// codes lets a wss server's close with 1014 through gorilla's
	// reader, and says it was 1014 (ws.ClientConn).
	codes *wsecho.ClientConn
	// dial, when set, connects to an address instead of a net.Dialer.
	dial func(ctx context.Context, addr string) (net.Conn, error)
	// bareEndWait, when set, replaces alertWait as the most a send in
	// flight is given after the server's bare end (see readBeside).
	bareEndWait time.Duration
	// endSentHook, when set, is called once the end of input has gone
	// out, before the wait for the rest of the echo, with a channel
	// closed when the reader ends (see endSent).
	endSentHook func(readerGone <-chan struct{})
}

// endSent calls endSentHook, if set: a test holds the session there,
// between the end of input and the wait for the echo, where the server's
// answer to the end of input may come first.
func (c *client) endSent(readerGone <-chan struct{}) {
	if c.endSentHook != nil {
		c.endSentHook(readerGone)
	}
}

// serverName is what the certificate is checked against: -servername, or
// the URL's host (Go sends it as SNI only when it is a name, as RFC 6066
// section 3 requires, and checks an IP against the IP SANs).
func (c *client) serverName() string {
	if c.o.serverName != "" {
		return c.o.serverName
	}
	return c.o.target.host
}

func (c *client) tlsConfig(nextProtos []string) *tls.Config {
	return &tls.Config{
		ServerName:         c.serverName(),
		RootCAs:            c.o.roots,
		InsecureSkipVerify: c.o.insecure,
		NextProtos:         nextProtos,
		// A callback rather than Certificates, to learn whether the server
		// asked at all: that tells "no client certificate" from "rejected".
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c.clientCertRequested = true
			if c.o.clientCert != nil {
				return c.o.clientCert, nil
			}
			return &tls.Certificate{}, nil
		},
	}
}

func (c *client) run(ctx context.Context, stdin io.Reader) error {
	if c.o.insecure {
		fmt.Fprintln(c.stderr, "tlsecho client: WARNING: -insecure: certificate verification is OFF; this connection could be read and changed by anyone on the path")
	}
	if c.o.target.scheme == "wss" {
		return c.runWS(ctx, stdin)
	}
	return c.runTLS(ctx, stdin)
}

func (c *client) runTLS(ctx context.Context, stdin io.Reader) error {
	hctx, cancel := context.WithTimeout(ctx, c.o.timeout)
	conn, err := c.dialTLS(hctx, c.tlsConfig(nil))
	cancel()
	if err != nil {
		return c.connectFailed(err, nil)
	}
	defer conn.Close()
	c.began = true
	c.printReport(conn.ConnectionState(), nil, nil)
	if c.o.hasMessage {
		return c.echoTLS(ctx, conn)
	}
	return c.streamTLS(ctx, conn, stdin)
}

func (c *client) runWS(ctx context.Context, stdin io.Reader) error {
	var state tls.ConnectionState
	var budget *readBudget
	var idle *echoDeadline
	var alerts *alertConn
	d := &websocket.Dialer{
		// Bounds the TCP connect, the TLS handshake and the HTTP upgrade
		// together; NetDialTLSContext gets a context with this deadline.
		HandshakeTimeout: c.o.timeout,
		NetDialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			// WebSocket needs HTTP/1.1 (RFC 8441 over HTTP/2 is not spoken here).
			tc, err := c.dialTLS(ctx, c.tlsConfig([]string{"http/1.1"}))
			if err != nil {
				return nil, err
			}
			state = tc.ConnectionState()
			idle = &echoDeadline{conn: tc}
			c.codes = wsecho.NewClientConn(tc)
			budget = &readBudget{Conn: c.codes, left: maxUpgradeResponse}
			// The frames are seen over TLS, from the upgrade's response on;
			// a failed write, from the upgrade request on, looks for the
			// server's alert.
			alerts = c.withAlert(fault.Observed(budget, &c.obs.frames), tc)
			return alerts, nil
		},
		EnableCompression: c.o.compress,
	}
	for _, p := range strings.Split(c.o.subprotocols, ",") {
		if p = strings.TrimSpace(p); p != "" {
			d.Subprotocols = append(d.Subprotocols, p)
		}
	}
	start := time.Now()
	ws, resp, err := d.DialContext(ctx, c.o.target.url, nil)
	if err == nil && !resp.ProtoAtLeast(1, 1) {
		// gorilla takes a 101 of any HTTP version; switchProblem names it.
		ws.Close()
		err = fmt.Errorf("%w: %s 101", websocket.ErrBadHandshake, resp.Proto)
	}
	if err != nil {
		var se *stageError
		if !errors.As(err, &se) {
			err = &stageError{stage: stageUpgrade, err: err}
		}
		return c.connectFailed(err, resp)
	}
	defer ws.Close()
	c.began = true
	budget.left = -1 // upgraded: messages are bounded on their own
	ws.SetReadLimit(maxClientMessage)
	c.upgradeTime = time.Since(start) - c.connectTime - c.handshakeTime
	c.printReport(state, resp, ws)
	if what := unaskedChoice(resp, d.Subprotocols, c.o.compress); what != "" {
		return fmt.Errorf("%s answered the upgrade with what the client did not ask for: %s (RFC 6455 section 4.1 has the client fail such a connection)",
			c.o.target.addr, what)
	}
	// From here the session reads the WebSocket for the server's reason
	// itself (a reader of its own beside every send), and a read for an alert under it would take the close frame that
	// carries the reason.
	alerts.reading.Store(true)
	wait := &waitDeadline{}
	ws.SetCloseHandler(c.answerClose(ws, wait))
	answerPings(ws, &c.pings)
	if c.o.hasMessage {
		return c.echoWS(ctx, ws, wait)
	}
	return c.streamWS(ctx, ws, idle, stdin, wait)
}

// dialTLS connects and completes the TLS handshake within ctx's deadline.
// The deadline is also set on the socket, so a server that takes the TCP
// connection and never answers cannot hold the handshake past it.
func (c *client) dialTLS(ctx context.Context, cfg *tls.Config) (*clientConn, error) {
	start := time.Now()
	tcp, err := c.dialTCP(ctx)
	if err != nil {
		return nil, &stageError{stage: stageConnect, err: err}
	}
	sock := &brokenWriteConn{Conn: tcp}
	var raw net.Conn = sock
	c.connectTime = time.Since(start)
	c.remote = raw.RemoteAddr().String()
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	if c.o.proxyV2 {
		if c.proxyClient, err = c.sendProxyHeader(raw); err != nil {
			raw.Close()
			return nil, &stageError{stage: stageConnect, err: err}
		}
	}
	var nc net.Conn = raw
	if c.o.verbose {
		c.hello = tlsinfo.RecordHello(raw)
		nc = c.hello
	}
	tc := tls.Client(fault.Observed(nc, &c.obs.records), cfg)
	start = time.Now()
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, &stageError{stage: stageHandshake, err: err}
	}
	c.handshakeTime = time.Since(start)
	c.obs.handshakeDone(tc.ConnectionState())
	raw.SetDeadline(time.Time{})
	return &clientConn{Conn: tc, sock: sock}, nil
}

// connectFailed prints the certificate chain when verification rejected
// it (seeing it is the first step to fixing it) and says why in words.
func (c *client) connectFailed(err error, resp *http.Response) error {
	p := newReportPrinter(c.stdout)
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		p.chain(cve.UnverifiedCertificates, time.Now())
	}
	// What the client offered is what a failed handshake is judged by.
	c.printHello(p)
	return c.explain(err, resp)
}

// maxUpgradeResponse bounds the server's answer to the upgrade request,
// headers and all, as the server bounds a request's headers: an answer
// with endless headers would otherwise grow the client's memory as fast
// as the server sends.
const maxUpgradeResponse = 64 << 10

// maxClientMessage bounds a message the client reads: an echo is read no
// further than one byte past what was sent, and lines of standard input
// are far shorter, so only a server misbehaving sends more.
const maxClientMessage = 64 << 20

// errUpgradeTooLarge ends an upgrade whose answer is over
// maxUpgradeResponse.
var errUpgradeTooLarge = fmt.Errorf("the server's answer to the upgrade request is over %d KiB", maxUpgradeResponse>>10)

// readBudget is a connection whose reads fail with errUpgradeTooLarge once
// left bytes have been read; a negative left is no limit. Only the
// goroutine that dials reads while the budget holds.
type readBudget struct {
	net.Conn
	left int
}

func (b *readBudget) Read(p []byte) (int, error) {
	if b.left < 0 {
		return b.Conn.Read(p)
	}
	if b.left == 0 {
		return 0, errUpgradeTooLarge
	}
	n, err := b.Conn.Read(p[:min(len(p), b.left)])
	b.left -= n
	return n, err
}
