package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/tlsecho/tlsecho/internal/flagint"
)

// ownFlags are the flags of the subcommands that run their own tlsecho.
type ownFlags struct {
	conns    int
	duration time.Duration
	messages int
	size     string
	text     float64
	tlsecho  string
	progress time.Duration
}

func parseOwn(name, usage string, args []string, f *ownFlags, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("tlsecho-load "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flagint.Var(fs, &f.conns, "c", f.conns, "connections (`N`), half raw TLS and half wss")
	fs.DurationVar(&f.duration, "d", f.duration, "how long to echo once all are connected")
	flagint.Var(fs, &f.messages, "n", f.messages, "echoes (`N`) per connection, the first (before the idle reading) included (0: until -d)")
	fs.StringVar(&f.size, "size", f.size, "message `size`, or a range such as 1-1MiB")
	fs.Float64Var(&f.text, "text", f.text, "`fraction` of wss messages sent as text")
	fs.StringVar(&f.tlsecho, "tlsecho", "", "tlsecho `binary` (default: go build ./cmd/tlsecho)")
	fs.DurationVar(&f.progress, "progress", 10*time.Second, "on a terminal, one live line; otherwise a progress line this often (0: none)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tlsecho-load %s [flags]\n\n%s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s takes no arguments, got %q", name, fs.Args())
	}
	sizes, err := parseSizeRange(f.size)
	if err != nil {
		return nil, err
	}
	if f.conns < 2 || f.duration <= 0 || f.messages < 0 || !(f.text >= 0 && f.text <= 1) { // NaN too
		return nil, fmt.Errorf("%s: -c at least 2, -d positive, -n not negative, -text from 0 to 1", name)
	}
	if err := checkFiles(f.conns); err != nil {
		return nil, err
	}
	return &options{
		conns: f.conns, duration: f.duration, messages: f.messages, sizes: sizes, text: f.text,
		progress: f.progress, timeout: 30 * time.Second, dialers: 64,
	}, nil
}

// runOwn is a subcommand that runs its own tlsecho: it parses the flags
// (tune adjusts the options), builds and starts tlsecho with its admin
// port on, points the load at both echoes, the process and its metrics,
// runs it, prints the report and stops the server. A nil result means
// exit at once with the status returned.
func runOwn(ctx context.Context, name, usage string, f *ownFlags, args []string, stdout, stderr io.Writer, tune func(*options)) (*result, *options, int) {
	o, err := parseOwn(name, usage, args, f, stderr)
	if err != nil {
		return nil, nil, parseFailed(err, stderr)
	}
	tune(o)
	res, err := loadTlsecho(ctx, f.tlsecho, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "tlsecho-load:", err)
		return nil, nil, 1
	}
	res.print(stdout)
	fmt.Fprintln(stdout)
	if res.interrupted {
		fmt.Fprintln(stderr, "tlsecho-load: interrupted")
		return nil, nil, 1
	}
	return res, o, 0
}

func loadTlsecho(ctx context.Context, tlsechoBin string, o *options, stdout io.Writer) (*result, error) {
	fmt.Fprintln(stdout, "starting tlsecho...")
	b, err := newBench(ctx, tlsechoBin, "", false)
	if err != nil {
		return nil, err
	}
	defer b.cleanup()
	s, err := b.startTlsecho(ctx, o.conns)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	if limit, err := procFileLimit(s.pid()); err == nil && limit < int64(o.conns)+spareFiles {
		return nil, fmt.Errorf("tlsecho's open-files limit is %d: not enough for %d connections (ulimit -n)", limit, o.conns)
	}
	for _, u := range []string{s.tlsURL, s.wssURL} {
		t, _ := url.Parse(u)
		o.targets = append(o.targets, t)
	}
	o.caFile, o.pid, o.metricsURL = b.certFile, s.pid(), s.metricsURL
	fmt.Fprintf(stdout, "tlsecho pid %d: %s and %s, metrics %s\n", s.pid(), s.tlsURL, s.wssURL, s.metricsURL)
	l, err := newLoader(o)
	if err != nil {
		return nil, err
	}
	return l.run(ctx, newProgress(stdout, o.progress)), nil
}

const scaleUsage = `Starts tlsecho and holds -c connections open at once against it, half raw
TLS and half wss, from this process (each side of a loopback connection counts
against its own process's open-files limit). Each connection echoes once,
the server's memory is read while all are idle, then each echoes until it
has echoed -n times in all (at least twice: the echo right after the reading
shows the server still held every connection it was divided by), every byte
checked, and all close. It reports the server's RSS per
connection, how many connections a GiB holds, and whether goroutines and
descriptors return to where they were. Run it from the tlsecho repository:
go run ./cmd/tlsecho-load scale -c 15000`

func scaleCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := &ownFlags{conns: 15000, duration: 5 * time.Minute, messages: 5, size: "1KiB"}
	res, o, code := runOwn(ctx, "scale", scaleUsage, f, args, stdout, stderr, func(o *options) {
		o.settle = time.Second // all idle a moment before the RSS is read
	})
	if res == nil {
		return code
	}
	return report(stdout, "scale", scaleVerdicts(res, o.conns))
}

// scaleVerdicts judges a scale run. Its memory figure is what the run is
// for: a run that could not measure it fails, saying why, rather than
// passing on its other lines alone.
func scaleVerdicts(res *result, conns int) []verdict {
	n := func(v int64) string {
		if v < 0 {
			return "?"
		}
		return count(float64(v))
	}
	memory := verdict{false, "server RSS per connection not measured: " + res.noRSSReason()}
	if v, ok := res.perConnRSS(); ok {
		memory = verdict{true, fmt.Sprintf("server RSS %s idle, %s with %s held: %s per connection, about %s connections per GiB",
			mib(res.before.rss), mib(res.held.rss), n(int64(res.connected)), kib(v), count(roundTo((1<<30)/v, 1000)))}
	}
	return []verdict{
		{res.connected == conns, fmt.Sprintf("%s of %s connections held at once", n(int64(res.connected)), n(int64(conns)))},
		{res.dropped() == 0, fmt.Sprintf("%s of %s held connections echoed again right after the server's memory was read", n(int64(res.alive)), n(int64(res.connected)))},
		{res.errors == 0 && res.mismatches == 0 && res.messages > 0,
			fmt.Sprintf("%s echoes, %s mismatches, %s errors", n(res.messages), n(res.mismatches), n(res.errors))},
		backToBaseline(res),
		memory,
	}
}

// verdict is one line of a subcommand's conclusion.
type verdict struct {
	ok   bool
	what string
}

// backToBaseline judges whether the server's goroutines and descriptors
// came back to where they were before the load. A figure the server did
// not give (-1) is no pass: the line would say "? goroutines (? before)"
// and pass on nothing.
func backToBaseline(res *result) verdict {
	known := res.before.goroutines >= 0 && res.before.fds >= 0 && res.after.goroutines >= 0 && res.after.fds >= 0
	return verdict{
		res.after.ok && res.before.ok && known && res.after.goroutines <= res.before.goroutines && res.after.fds <= res.before.fds,
		fmt.Sprintf("after the clients closed: %s goroutines (%s before), %s descriptors (%s before); before: %s",
			gor(res.after), gor(res.before), fdn(res.after), fdn(res.before), res.baselineWhen()),
	}
}

// report prints the verdicts and returns the exit status: 1 if any failed.
func report(w io.Writer, name string, verdicts []verdict) int {
	code := 0
	for _, v := range verdicts {
		mark := "ok  "
		if !v.ok {
			mark, code = "FAIL", 1
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, name, v.what)
	}
	return code
}

func roundTo(v, unit float64) float64 { return float64(int64(v/unit+0.5)) * unit }
