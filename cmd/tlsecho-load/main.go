// Command tlsecho-load drives a tlsecho server (or any TLS or WebSocket
// echo server, ws:// too: a plain listener behind a proxy that ends TLS)
// with many concurrent clients, checks every byte of every
// echo and reports throughput, round-trip times and, given the server's
// process id, its CPU time and memory. It is how the README's figures
// were measured.
//
//	tlsecho-load -c 200 -d 10s -size 1KiB tls://127.0.0.1:8433
//	tlsecho-load -c 200 -d 10s wss://127.0.0.1:8443/ws
//	tlsecho-load -c 200 -d 10s ws://127.0.0.1:8080/ws
//	tlsecho-load -c 8 -d 5s -handshakes tls://127.0.0.1:8433
//	tlsecho-load -c 2000 -pid $(pidof tlsecho) tls://127.0.0.1:8433 wss://127.0.0.1:8443/ws
//
// Every client connects and echoes once before the measured window
// starts, so all connections are open at once. Each then sends a message,
// waits for the whole echo, checks its bytes (and on /ws its type) and
// sends the next; at the end it closes the orderly way and checks that
// nothing more came back. Any mismatch or error exits 1: the exit status
// is what a script or CI reads.
//
// Targets must be loopback addresses unless -remote is given: a load test
// aimed at the wrong host is an attack.
//
// Subcommands start their own servers, from the repository:
//
//	tlsecho-load compare   tlsecho beside a plain baseline server, as a table
//	tlsecho-load scale     15,000 connections held at once: memory per connection
//	tlsecho-load soak      10 minutes of mixed sizes: nothing drifts or leaks
//
// Run one with -h for its flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tlsecho/tlsecho/internal/echourl"
	"github.com/tlsecho/tlsecho/internal/flagint"
)

// spareFiles are descriptors kept free beside the connections: standard
// streams, the poller, DNS, the metrics scrape.
const spareFiles = 64

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings of one run.
type options struct {
	conns      int
	duration   time.Duration
	warmup     time.Duration
	messages   int
	sizes      sizeRange
	text       float64
	handshakes bool
	insecure   bool
	caFile     string
	remote     bool
	targets    []*url.URL
	pid        int
	metricsURL string
	progress   time.Duration
	timeout    time.Duration
	// dialers bounds the connections being set up at once in the connect
	// phase, so that thousands of clients do not all wait on the server's
	// handshakes together and time out.
	dialers int
	// settle is how long connections stay idle, all held, before the
	// server's memory is sampled.
	settle time.Duration
	// turn, when set, holds the clients between echoes while it is off
	// (compare's slices).
	turn *turn
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("tlsecho-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{dialers: 64}
	size := "1KiB"
	flagint.Var(fs, &o.conns, "c", 50, "concurrent connections (`N`), spread evenly over the targets")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "how long to echo, after every client has connected and the warm-up")
	fs.DurationVar(&o.warmup, "warmup", 0, "echo this long before the measured window starts")
	flagint.Var(fs, &o.messages, "n", 0, "stop after this many messages (`N`) per connection (0: run for -d); with -pid or -metrics each connection echoes at least twice: once before the server's memory is read with all held, once right after to show it was still held")
	fs.StringVar(&size, "size", size, "message `size`, or a range such as 1-1MiB (log-uniform: as many messages in each order of magnitude)")
	fs.Float64Var(&o.text, "text", 0, "`fraction` of WebSocket messages sent as text (UTF-8) instead of binary")
	fs.BoolVar(&o.handshakes, "handshakes", false, "measure full handshakes: connect, handshake, one echo, close, repeat")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate (DANGEROUS outside a test; a self-signed server needs it, or -ca)")
	fs.StringVar(&o.caFile, "ca", "", "PEM `FILE` of CA certificates to trust besides the system roots (a self-signed certificate can be its own CA)")
	fs.BoolVar(&o.remote, "remote", false, "allow a target that is not a loopback address")
	flagint.Var(fs, &o.pid, "pid", 0, "process id (`PID`) of the server (on this machine): report its echoes per CPU-second and memory per connection from /proc")
	fs.StringVar(&o.metricsURL, "metrics", "", "`URL` of the server's Prometheus metrics (tlsecho: http://127.0.0.1:9090/metrics): report its goroutines, and its descriptors and memory without -pid")
	fs.DurationVar(&o.progress, "progress", 10*time.Second, "on a terminal, one live line; otherwise a progress line this often (0: none)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "limit for each connect (TCP, TLS and WebSocket handshakes) and each echo")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tlsecho-load [flags] URL...    (URL: tls://HOST:PORT, wss://HOST:PORT/PATH or ws://HOST:PORT/PATH)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, errors.New("at least one target URL expected")
	}
	var err error
	if o.sizes, err = parseSizeRange(size); err != nil {
		return nil, err
	}
	for _, arg := range fs.Args() {
		u, err := parseTarget(arg)
		if err != nil {
			return nil, err
		}
		if o.handshakes && u.Scheme == "ws" {
			return nil, fmt.Errorf("target %q: -handshakes measures TLS handshakes, and ws:// has none", arg)
		}
		if !o.remote {
			if err := checkLoopback(u.Hostname()); err != nil {
				return nil, err
			}
		}
		o.targets = append(o.targets, u)
	}
	warnNoTLS(fs, o.targets, stderr)
	if o.metricsURL != "" {
		// The scrape is traffic too: the same rule as for the targets.
		u, err := url.Parse(o.metricsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("-metrics %q: want http://host:port/path", o.metricsURL)
		}
		if !o.remote {
			if err := checkLoopback(u.Hostname()); err != nil {
				return nil, fmt.Errorf("-metrics: %w", err)
			}
		}
	}
	if o.conns < len(o.targets) || o.duration <= 0 || o.messages < 0 || o.warmup < 0 || o.timeout <= 0 {
		return nil, errors.New("-c must be at least one per target, -d and -timeout positive, -n and -warmup not negative")
	}
	// Written so that NaN, which every comparison is false for, is
	// refused too: it ran with every message binary.
	if !(o.text >= 0 && o.text <= 1) {
		return nil, errors.New("-text is a fraction from 0 to 1")
	}
	if o.pid < 0 {
		return nil, errors.New("-pid must be a process id")
	}
	if o.pid > 0 {
		// Every sample would fail, and the run pass without the figures
		// asked for.
		if _, _, _, err := readProc(o.pid); err != nil {
			return nil, fmt.Errorf("-pid %d: %w", o.pid, err)
		}
	}
	return o, nil
}

// warnNoTLS says so when -ca or -insecure was given and every target is
// ws://: the flag then changes nothing, and a user who thought it checked
// (or skipped checking) a certificate should hear that none is in play.
func warnNoTLS(fs *flag.FlagSet, targets []*url.URL, stderr io.Writer) {
	for _, u := range targets {
		if u.Scheme != "ws" {
			return
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "ca" || f.Name == "insecure" {
			fmt.Fprintf(stderr, "tlsecho-load: -%s has no effect: no target uses TLS\n", f.Name)
		}
	})
}

// parseTarget reads a target as tlsecho client reads its URL, ws://
// besides: strictly, with an error that says what to write.
func parseTarget(s string) (*url.URL, error) {
	t, err := echourl.Parse(s, "tls", "wss", "ws")
	if err != nil {
		return nil, err
	}
	return t.URL, nil
}

// checkLoopback refuses names and addresses that are not this machine.
func checkLoopback(host string) error {
	ips, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address (%s); pass -remote to load a server elsewhere that you run", host, ip)
		}
	}
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 {
		switch args[0] {
		case "compare":
			return compareCmd(ctx, args[1:], stdout, stderr)
		case "scale":
			return scaleCmd(ctx, args[1:], stdout, stderr)
		case "soak":
			return soakCmd(ctx, args[1:], stdout, stderr)
		}
	}
	o, err := parse(args, stderr)
	if err != nil {
		return parseFailed(err, stderr)
	}
	if err := checkFiles(o.conns); err != nil {
		fmt.Fprintln(stderr, "tlsecho-load:", err)
		return 2
	}
	l, err := newLoader(o)
	if err != nil {
		fmt.Fprintln(stderr, "tlsecho-load:", err)
		return 2
	}
	res := l.run(ctx, newProgress(stdout, o.progress))
	res.print(stdout)
	if res.failed() {
		return 1
	}
	return 0
}

// parseFailed is the status of a command whose flags did not parse: 0
// for -h, whose usage was printed and which asked for nothing more (as
// tlsecho -h), 2 with the error on stderr for anything else.
func parseFailed(err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "tlsecho-load:", err)
	return 2
}
