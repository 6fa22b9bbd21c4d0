// Command tlsecho-load drives a tlsecho server (or any TLS or WebSocket
// echo server) with many concurrent clients and reports throughput and
// round-trip times. It is how the figures in the README were measured.
//
//	tlsecho-load -c 200 -d 10s -size 1024 tls://127.0.0.1:8433
//	tlsecho-load -c 200 -d 10s wss://127.0.0.1:8443/ws
//	tlsecho-load -c 8 -d 5s -handshakes tls://127.0.0.1:8433
//
// Each client sends a message, waits for the whole echo, checks it byte for
// byte and sends the next. Targets must be loopback addresses unless
// -remote is given: a load test aimed at the wrong host is an attack.
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
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings of one run.
type options struct {
	conns      int
	duration   time.Duration
	messages   int
	size       int
	handshakes bool
	insecure   bool
	remote     bool
	target     *url.URL
	// together, when set, holds every client after its first connect
	// until all have connected, so all connections are open at once.
	together *barrier
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("tlsecho-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.IntVar(&o.conns, "c", 50, "concurrent connections")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "how long to run")
	fs.IntVar(&o.messages, "n", 0, "stop after this many messages per connection (0: run for -d)")
	fs.IntVar(&o.size, "size", 1024, "message size in bytes")
	fs.BoolVar(&o.handshakes, "handshakes", false, "measure full handshakes: connect, handshake, one echo, close, repeat")
	fs.BoolVar(&o.insecure, "insecure", true, "do not verify the server certificate (the default server's is self-signed)")
	fs.BoolVar(&o.remote, "remote", false, "allow a target that is not a loopback address")
	together := fs.Bool("together", false, "hold each client after it connects until all have, so all connections are open at once")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tlsecho-load [flags] tls://HOST:PORT | wss://HOST:PORT/PATH")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, errors.New("one target URL expected")
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil || (u.Scheme != "tls" && u.Scheme != "wss") || u.Port() == "" {
		return nil, fmt.Errorf("target %q: want tls://host:port or wss://host:port/path", fs.Arg(0))
	}
	o.target = u
	if *together {
		o.together = newBarrier(o.conns)
	}
	if o.conns < 1 || o.size < 1 || o.duration <= 0 || o.messages < 0 {
		return nil, errors.New("-c, -size and -d must be positive")
	}
	if !o.remote {
		if err := checkLoopback(u.Hostname()); err != nil {
			return nil, err
		}
	}
	return o, nil
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
	o, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "tlsecho-load:", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	res := drive(ctx, o)
	res.print(stdout, o)
	if res.errors > 0 && res.messages == 0 {
		return 1
	}
	return 0
}
