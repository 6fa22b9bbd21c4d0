package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/internal/flagint"
	"github.com/tlsecho/tlsecho/internal/plural"
)

// workload is one row of the comparison.
type workload struct {
	name       string
	scheme     string // "tls" or "wss"
	size       int
	handshakes bool
	idle       bool   // RSS per idle connection, not throughput
	target     string // the project's goal for tlsecho / plain
}

var workloads = []workload{
	{name: "wss echo, 64 B messages", scheme: "wss", size: 64, target: "≥ 1.0×"},
	{name: "wss echo, 4 KiB messages", scheme: "wss", size: 4096, target: "≥ 1.5×"},
	{name: "raw TLS echo, 64 B", scheme: "tls", size: 64, target: "≥ 1.0×"},
	{name: "raw TLS echo, 4 KiB", scheme: "tls", size: 4096, target: "≥ 1.0×"},
	{name: "full handshakes (ECDSA P-256, X25519)", scheme: "tls", size: 64, handshakes: true, target: "≥ 1.0×"},
	{name: "RSS per idle wss connection", scheme: "wss", size: 64, idle: true, target: "≤ 16 KiB"},
	{name: "RSS per idle raw TLS connection", scheme: "tls", size: 64, idle: true, target: "≤ 16 KiB"},
}

// compareFlags are the settings of `tlsecho-load compare`.
type compareFlags struct {
	rounds      int
	duration    time.Duration
	warmup      time.Duration
	slice       time.Duration
	conns       int
	hsConns     int
	idleConns   int
	run         *regexp.Regexp
	tlsecho     string
	baseline    string
	sameCPU     bool
	commandLine string
}

func parseCompare(args []string, stderr io.Writer) (*compareFlags, error) {
	fs := flag.NewFlagSet("tlsecho-load compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &compareFlags{}
	flagint.Var(fs, &f.rounds, "rounds", 5, "rounds (`N`); each runs every workload on both servers, alternating which goes first")
	fs.DurationVar(&f.duration, "d", 5*time.Second, "measured time of each throughput run, after its warm-up")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "echoing before each measured window")
	fs.DurationVar(&f.slice, "slice", time.Second, "throughput workloads: both servers run at once and the load switches between them this often (0: each server's window whole, one after the other; at most 10s); -d and -warmup are rounded to whole slices")
	flagint.Var(fs, &f.conns, "c", 64, "connections (`N`) of the echo workloads")
	flagint.Var(fs, &f.hsConns, "hc", 16, "concurrent clients (`N`) of the handshake workload")
	flagint.Var(fs, &f.idleConns, "idle", 5000, "connections (`N`) held for the RSS workloads")
	run := fs.String("run", "", "only the workloads whose name matches this `regexp`")
	fs.StringVar(&f.tlsecho, "tlsecho", "", "tlsecho `binary` (default: go build ./cmd/tlsecho)")
	fs.StringVar(&f.baseline, "baseline", "", "plain server `binary` (default: go build ./cmd/tlsecho-load/baseline)")
	fs.BoolVar(&f.sameCPU, "same-cpu", false, "pin the load to the servers' CPU: each server's CPU time per echo then shows with the load's, where on a CPU of its own a server that is faster than the load it gets spends what it saves waiting for it, polling and sleeping")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: tlsecho-load compare [flags]

Runs tlsecho and a plain baseline server (the gorilla echo loop and
tls.Listen plus io.Copy, same certificate) as separate processes under the
same load, pinned to separate CPUs when there are two or more, alternating
the two over several rounds, and prints the median ratio of each workload
as a markdown table. In a throughput workload both servers run at once and
the load switches from one to the other every -slice, so that a machine
whose speed drifts meets both alike. Throughput is counted per second of the server's own
CPU time (/proc/PID/stat), so the ratio does not depend on the speed of the
load generator or on what else runs on the machine. Run it from the tlsecho
repository: go run ./cmd/tlsecho-load compare

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("compare takes no arguments, got %q", fs.Args())
	}
	if f.rounds < 1 || f.duration <= 0 || f.warmup < 0 || f.slice < 0 || f.conns < 1 || f.hsConns < 1 || f.idleConns < 1 {
		return nil, errors.New("compare: -rounds, -d, -c, -hc and -idle must be positive, -warmup and -slice not negative")
	}
	if f.slice > maxSlice {
		return nil, fmt.Errorf("compare: -slice %v is over %v: the clients of the server not under load read nothing meanwhile, and tlsecho drops clients that answer no ping", f.slice, maxSlice)
	}
	var err error
	if f.run, err = regexp.Compile(*run); err != nil {
		return nil, fmt.Errorf("-run: %w", err)
	}
	f.commandLine = "go run ./cmd/tlsecho-load compare"
	for _, a := range args {
		f.commandLine += " " + shellQuote(a)
	}
	return f, nil
}

// shellQuote writes an argument so that a POSIX shell reads it back as
// it was: as is when every character is safe, otherwise in single quotes
// (inside which only the single quote itself needs care). The table's
// command line is meant to be pasted.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// measurement is one workload's figures over the rounds.
type measurement struct {
	w              workload
	tlsecho, plain []float64
	ratios         []float64
	failures       []string
}

func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseCompare(args, stderr)
	if err != nil {
		return parseFailed(err, stderr)
	}
	var selected []*measurement
	for _, w := range workloads {
		if f.run.MatchString(w.name) {
			selected = append(selected, &measurement{w: w})
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "tlsecho-load: -run %q matches no workload\n", f.run)
		return 2
	}
	// Checked after the flags and for the workloads chosen: under a limit
	// of 1024 open files a mistyped -run was answered with the 5,000 idle
	// connections of the RSS workloads, and a run of only echo workloads
	// refused for them.
	need := 0
	for _, m := range selected {
		need = max(need, f.connsFor(m.w))
	}
	if err := checkFiles(need); err != nil {
		return parseFailed(err, stderr)
	}
	fmt.Fprintln(stdout, "building the servers...")
	b, err := newBench(ctx, f.tlsecho, f.baseline, true)
	if err != nil {
		fmt.Fprintln(stderr, "tlsecho-load:", err)
		return 1
	}
	defer b.cleanup()
	pinning := b.pin(f.sameCPU)
	fmt.Fprintf(stdout, "%s; %d rounds\n", pinning, f.rounds)
	for round := range f.rounds {
		for _, m := range selected {
			// Alternate which server goes first, so that neither always
			// meets the machine in the same state.
			order := []string{"tlsecho", "plain"}
			if round%2 == 1 {
				order = []string{"plain", "tlsecho"}
			}
			vals := map[string]float64{}
			report := func(name string, v float64, err error) {
				if err != nil {
					m.failures = append(m.failures, fmt.Sprintf("%s: %v", name, err))
					fmt.Fprintf(stdout, "round %d/%d  %-40s %-7s  FAILED: %v\n", round+1, f.rounds, m.w.name, name, err)
					return
				}
				vals[name] = v
				fmt.Fprintf(stdout, "round %d/%d  %-40s %-7s  %s\n", round+1, f.rounds, m.w.name, name, m.w.format(v))
			}
			if !m.w.idle && f.slice > 0 {
				t, p, err := b.measurePair(ctx, f, m.w, round)
				if ctx.Err() != nil {
					fmt.Fprintln(stderr, "tlsecho-load: interrupted")
					return 1
				}
				if err != nil {
					report("both", 0, err)
				} else {
					report("tlsecho", t, nil)
					report("plain", p, nil)
				}
				order = nil
			}
			for _, name := range order {
				v, err := b.measure(ctx, f, m.w, name)
				if ctx.Err() != nil {
					fmt.Fprintln(stderr, "tlsecho-load: interrupted")
					return 1
				}
				report(name, v, err)
			}
			t, okT := vals["tlsecho"]
			p, okP := vals["plain"]
			if okT && okP && p > 0 {
				m.tlsecho, m.plain, m.ratios = append(m.tlsecho, t), append(m.plain, p), append(m.ratios, t/p)
			}
		}
	}
	fmt.Fprintln(stdout)
	printTable(stdout, f, pinning, selected)
	for _, m := range selected {
		if len(m.failures) > 0 {
			fmt.Fprintf(stderr, "tlsecho-load: %s: %d failed runs, first: %s\n", m.w.name, len(m.failures), m.failures[0])
			return 1
		}
	}
	return 0
}

// connsFor is how many connections the client holds at once in w.
func (f *compareFlags) connsFor(w workload) int {
	switch {
	case w.idle:
		return f.idleConns
	case w.handshakes:
		return f.hsConns
	}
	return f.conns
}

// loadOptions are the load of workload w on server s.
func (b *bench) loadOptions(f *compareFlags, w workload, s *server) *options {
	target, _ := parseTarget(s.tlsURL)
	if w.scheme == "wss" {
		target, _ = parseTarget(s.wssURL)
	}
	o := &options{
		conns: f.conns, duration: f.duration, warmup: f.warmup, sizes: sizeRange{w.size, w.size},
		handshakes: w.handshakes, caFile: b.certFile, pid: s.pid(), timeout: 10 * time.Second, dialers: 64,
		targets: []*url.URL{target},
	}
	if w.handshakes {
		o.conns = f.hsConns
	}
	return o
}

// measure starts a fresh server and runs one workload against it: echoes
// or full handshakes per server CPU-second, or bytes of RSS per idle
// connection.
func (b *bench) measure(ctx context.Context, f *compareFlags, w workload, name string) (float64, error) {
	var s *server
	var err error
	if name == "tlsecho" {
		s, err = b.startTlsecho(ctx, max(f.idleConns, f.conns)+100)
	} else {
		s, err = b.startBaseline(ctx)
	}
	if err != nil {
		return 0, err
	}
	defer s.stop()
	o := b.loadOptions(f, w, s)
	if w.idle {
		// Each connection echoes once and stays idle a second before the
		// server's memory is read, echoes once more to show the server
		// still held it, then all close.
		o.conns, o.messages, o.warmup, o.settle = f.idleConns, 1, 0, time.Second
	}
	l, err := newLoader(o)
	if err != nil {
		return 0, err
	}
	res := l.run(ctx, nil)
	if res.failed() {
		return 0, fmt.Errorf("%s%s, %s%s", plural.Count(res.mismatches, "mismatch", "mismatches"), first(res.firstMismatch), plural.Count(res.errors, "error", "errors"), first(res.firstErr))
	}
	if w.idle {
		v, ok := res.perConnRSS()
		if !ok || res.connected != o.conns {
			return 0, fmt.Errorf("%d of %s held, %d of them alive after the memory was read, RSS %s before and %s held; server samples: %v, %v",
				res.connected, plural.Count(o.conns, "connection", "connections"), res.alive, mib(res.before.rss), mib(res.held.rss), res.before.err, res.held.err)
		}
		return v, nil
	}
	v, ok := res.perCPUSecond()
	if !ok {
		return 0, fmt.Errorf("no server CPU time measured: %v, %v", res.start.err, res.end.err)
	}
	return v, nil
}

func (w workload) format(v float64) string {
	switch {
	case w.idle:
		return kib(v)
	case w.handshakes:
		return count(v) + " handshakes/CPU-s"
	}
	return count(v) + " echoes/CPU-s"
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// printTable writes the README's table: the median of each server's
// figure, and the median of the per-round ratios with their range.
func printTable(w io.Writer, f *compareFlags, pinning string, ms []*measurement) {
	fmt.Fprintf(w, "    %s\n\n", f.commandLine)
	how := fmt.Sprintf("%v each", f.duration)
	if f.slice > 0 {
		how = fmt.Sprintf("%v each, both servers running, the load switched between them every %v", f.duration, f.slice)
	}
	fmt.Fprintf(w, "%s, %s, %s (%s); median of %s, %s per echo workload, %s.\n\n",
		cpuModel(), runtime.Version(), plural.Count(runtime.NumCPU(), "CPU", "CPUs"), pinning, plural.Count(f.rounds, "round", "rounds"), plural.Count(f.conns, "connection", "connections"), how)
	fmt.Fprintln(w, "| workload | tlsecho | plain | tlsecho / plain | target |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, m := range ms {
		name := m.w.name
		if m.w.idle {
			name += fmt.Sprintf(" (%s held)", count(float64(f.idleConns)))
		} else if m.w.handshakes {
			name += fmt.Sprintf(" (%s)", plural.Count(f.hsConns, "client", "clients"))
		}
		if len(m.ratios) == 0 {
			fmt.Fprintf(w, "| %s | failed | failed | | %s |\n", name, m.w.target)
			continue
		}
		ratio := fmt.Sprintf("%.2f×", median(m.ratios))
		var notes []string
		if len(m.ratios) > 1 {
			notes = append(notes, fmt.Sprintf("%.2f-%.2f", slices.Min(m.ratios), slices.Max(m.ratios)))
		}
		if len(m.ratios) < f.rounds {
			// The heading says how many rounds were run; a row
			// with failed rounds is the median of fewer.
			notes = append(notes, fmt.Sprintf("%d of %d rounds", len(m.ratios), f.rounds))
		}
		if len(notes) > 0 {
			ratio += " (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name, m.w.format(median(m.tlsecho)), m.w.format(median(m.plain)), ratio, m.w.target)
	}
}

// cpuModel is the first model name in /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
