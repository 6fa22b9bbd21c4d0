package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

var sizeTests = []struct {
	in       string
	min, max int
	err      bool
}{
	{in: "64", min: 64, max: 64},
	{in: "4KiB", min: 4096, max: 4096},
	{in: "1-1MiB", min: 1, max: 1 << 20},
	{in: "10B-2KiB", min: 10, max: 2048},
	{in: "0", err: true},
	{in: "2-1", err: true},
	{in: "1k", err: true},
	{in: "65MiB", err: true},
	{in: "", err: true},
}

func TestParseSizeRange(t *testing.T) {
	for _, tt := range sizeTests {
		r, err := parseSizeRange(tt.in)
		if (err != nil) != tt.err || (err == nil && (r.min != tt.min || r.max != tt.max)) {
			t.Errorf("%q: %v, %v; want %d-%d (error %v)", tt.in, r, err, tt.min, tt.max, tt.err)
		}
	}
}

// TestSizesCoverTheRange draws sizes from 1 B to 1 MiB: all within the
// range, and each order of magnitude about equally often.
func TestSizesCoverTheRange(t *testing.T) {
	r := sizeRange{1, 1 << 20}
	rng := rand.New(rand.NewPCG(1, 2))
	small, large := 0, 0
	for range 10000 {
		n := r.pick(rng)
		if n < r.min || n > r.max {
			t.Fatalf("size %d outside %v", n, r)
		}
		if n < 1024 {
			small++
		} else {
			large++
		}
	}
	// 1 KiB is half-way between 1 B and 1 MiB on a log scale.
	if small < 4000 || large < 4000 {
		t.Errorf("%d messages under 1 KiB, %d over: not log-uniform", small, large)
	}
}

func TestPayloadText(t *testing.T) {
	p := newPayload(1000)
	rng := rand.New(rand.NewPCG(1, 2))
	msg := p.message(rng, 1000, true)
	if len(msg) != 1000 || strings.IndexFunc(string(msg), func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		t.Errorf("text message is not 1000 printable ASCII bytes: %q", msg)
	}
}

func TestHistPercentiles(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{0, time.Millisecond}, {.5, 500 * time.Millisecond}, {.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.percentile(tt.p)
		if d := float64(got-tt.want) / float64(tt.want); d < -0.07 || d > 0.07 {
			t.Errorf("p%v = %v, want %v within 7%%", tt.p*100, got, tt.want)
		}
	}
	if h.count() != 1000 {
		t.Errorf("count %d", h.count())
	}
}

func TestParseProc(t *testing.T) {
	// A command name may hold spaces and parentheses.
	stat := "4242 (tls echo) (x)) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 100 2000000 3000 18446744073709551615"
	if cpu, err := parseStatCPU(stat); cpu != 1750*time.Millisecond || err != nil {
		t.Errorf("cpu %v, %v; want 1.75s (175 ticks)", cpu, err)
	}
	if _, err := parseStatCPU("4242 (x) S 1"); err == nil {
		t.Error("a short stat line parsed")
	}
	status := "Name:\ttlsecho\nVmPeak:\t  9999 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n"
	if rss, err := parseStatusRSS(status); rss != 12345<<10 || err != nil {
		t.Errorf("rss %d, %v; want %d", rss, err, 12345<<10)
	}
	cpu, rss, fds, err := readProc(os.Getpid())
	if err != nil || cpu < 0 || rss <= 0 || fds < 3 {
		t.Errorf("this process: cpu %v, rss %d, fds %d, %v", cpu, rss, fds, err)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 17
process_resident_memory_bytes 2.4150016e+07
tlsecho_connections{listener="tls"} 3
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil || m["go_goroutines"] != 17 || m["process_resident_memory_bytes"] != 24150016 || len(m) != 2 {
		t.Errorf("%v, %v", m, err)
	}
}

func TestCompareTable(t *testing.T) {
	f := &compareFlags{rounds: 3, conns: 64, hsConns: 16, idleConns: 5000, duration: 5 * time.Second, slice: time.Second,
		commandLine: "go run ./cmd/tlsecho-load compare", run: regexp.MustCompile("")}
	ms := []*measurement{
		{w: workloads[0], tlsecho: []float64{110, 90, 100}, plain: []float64{100, 100, 100}, ratios: []float64{1.1, 0.9, 1.0}},
		// Rounds that failed leave fewer figures than the heading's
		// rounds: the row says how many it is the median of.
		{w: workloads[2], tlsecho: []float64{110, 90}, plain: []float64{100, 100}, ratios: []float64{1.1, 0.9}},
		{w: workloads[5], tlsecho: []float64{16 << 10}, plain: []float64{32 << 10}, ratios: []float64{0.5}},
		{w: workloads[4]},
	}
	var out bytes.Buffer
	printTable(&out, f, "server on CPU 0, load on CPU 1", ms)
	for _, want := range []string{
		"    go run ./cmd/tlsecho-load compare\n",
		"median of 3 rounds, 64 connections per echo workload, 5s each, both servers running, the load switched between them every 1s.\n",
		"| wss echo, 64 B messages | 100 echoes/CPU-s | 100 echoes/CPU-s | 1.00× (0.90-1.10) | ≥ 1.0× |\n",
		"| raw TLS echo, 64 B | 100 echoes/CPU-s | 100 echoes/CPU-s | 1.00× (0.90-1.10; 2 of 3 rounds) | ≥ 1.0× |\n",
		"| RSS per idle wss connection (5,000 held) | 16.0 KiB | 32.0 KiB | 0.50× (1 of 3 rounds) | ≤ 16 KiB |\n",
		"| full handshakes (ECDSA P-256, X25519) (16 clients) | failed | failed | | ≥ 1.0× |\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 2, 3}, 2.5},
		// One round far off moves a mean, not a median: the table's
		// figures and the soak's RSS levels are medians for that.
		{[]float64{100, 1, 2}, 2}, {[]float64{1, 100, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestStartPinned starts a child on one CPU and reads its affinity back.
func TestStartPinned(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		t.Skip("pinning needs two CPUs")
	}
	// The fork borrows this thread: it must get its CPUs back.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command("sleep", "60")
	if err := startPinned(cmd, cpus[1:2]); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	want := "Cpus_allowed_list:\t" + strconv.Itoa(cpus[1]) + "\n"
	if !strings.Contains(string(status), want) {
		t.Errorf("child status lacks %q:\n%s", want, status)
	}
	if now := allowedCPUs(); len(now) != len(cpus) {
		t.Errorf("this thread's CPUs changed from %v to %v", cpus, now)
	}
}

func TestSubcommandUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "-rounds", "0"}, "must be positive"},
		{[]string{"compare", "-slice", "-1s"}, "-slice not negative"},
		{[]string{"compare", "-slice", "11s"}, "is over 10s"},
		{[]string{"compare", "-run", "("}, "-run:"},
		{[]string{"compare", "-run", "nothing-matches"}, "matches no workload"},
		// The open files are counted after the flags, for the workloads
		// chosen: whatever the machine's limit, these say what is wrong.
		{[]string{"compare", "-idle", "1000000", "-run", "("}, "-run:"},
		{[]string{"compare", "-idle", "1000000", "-run", "nothing-matches"}, "matches no workload"},
		{[]string{"compare", "-idle", "1000000"}, "1000000 connections need"},
		{[]string{"compare", "extra"}, "takes no arguments"},
		{[]string{"scale", "-c", "1"}, "-c at least 2"},
		{[]string{"scale", "-c", "1000000"}, "open files"},
		{[]string{"soak", "-size", "0"}, `size "0"`},
		{[]string{"soak", "-text", "-1"}, "-text from 0 to 1"},
		// Counts are decimal: flag.IntVar took 0x10 for 16 and 010 for 8.
		{[]string{"compare", "-rounds", "0x3"}, `invalid value "0x3" for flag -rounds: want a whole number in decimal`},
		{[]string{"scale", "-c", "1_000"}, `invalid value "1_000" for flag -c: want a whole number in decimal`},
		{[]string{"-c", "0x10", "tls://127.0.0.1:1"}, `invalid value "0x10" for flag -c: want a whole number in decimal`},
	} {
		var stderr bytes.Buffer
		if code := run(tt.args, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, want 2; stderr should contain %q: %q", tt.args, code, tt.want, stderr.String())
		}
	}
}

// TestCAFileCutShort: a -ca file whose second certificate is cut short
// is refused, naming where; the first certificate alone was taken
// without a word, as x509.CertPool.AppendCertsFromPEM does.
func TestCAFileCutShort(t *testing.T) {
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pem")
	if err := os.WriteFile(cut, append(slices.Clone(g.CertPEM), g.CertPEM[:len(g.CertPEM)/2]...), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	const want = "the PEM block after CA certificate 1 (CN=localhost,O=tlsecho) does not decode (cut short or corrupt)"
	if code := run([]string{"-ca", cut, "-n", "1", "tls://127.0.0.1:1"}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit %d, want 2; stderr should contain %q: %q", code, want, stderr.String())
	}
}

func TestReport(t *testing.T) {
	var out bytes.Buffer
	if code := report(&out, "soak", []verdict{{true, "fine"}, {false, "drifted"}}); code != 1 {
		t.Errorf("exit %d with a failed verdict, want 1", code)
	}
	if want := "ok   soak: fine\nFAIL soak: drifted\n"; out.String() != want {
		t.Errorf("report %q, want %q", out.String(), want)
	}
	if code := report(&bytes.Buffer{}, "soak", []verdict{{true, "fine"}}); code != 0 {
		t.Errorf("exit %d with every verdict ok, want 0", code)
	}
}

// TestProgress shows nothing with an interval of 0, and plain lines (no
// carriage return) on a writer that is not a terminal.
func TestProgress(t *testing.T) {
	var out bytes.Buffer
	if p := newProgress(&out, 0); p != nil {
		t.Error("progress with interval 0 is not silent")
	}
	p := newProgress(&out, time.Minute)
	if p == nil || p.live {
		t.Fatal("a bytes.Buffer is taken for a terminal")
	}
	l := &loader{}
	l.open.Store(12)
	l.errors.Store(3)
	p.show(progressLine(90*time.Second, "echoing", window{elapsed: 2 * time.Second, messages: 2000, nbytes: 4e6}, l))
	want := "  1m30s  echoing         12 open     1,000 echoes/s      2.0 MB/s  0 mismatches  3 errors\n"
	if out.String() != want {
		t.Errorf("progress line\n%q, want\n%q", out.String(), want)
	}
}

// TestCompareCommandLine pastes the command line printed above the table
// into a shell, which must hand compare the arguments it was given.
func TestCompareCommandLine(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	args := []string{"-run", "wss echo, 4 KiB", "-rounds", "3", "-run=RSS per idle (wss|raw TLS)$",
		"-tlsecho", "/tmp/it's $HOME/*/tlsecho", "-baseline", ""}
	f, err := parseCompare(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printTable(&out, f, "not pinned", nil)
	line, _, _ := strings.Cut(strings.TrimPrefix(out.String(), "    "), "\n")
	rest, ok := strings.CutPrefix(line, "go run ./cmd/tlsecho-load compare ")
	if !ok {
		t.Fatalf("command line %q", line)
	}
	got, err := exec.Command(sh, "-c", "set -- "+rest+`; for a; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("the shell cannot read %q: %v", line, err)
	}
	if want := strings.Join(args, "\x00") + "\x00"; string(got) != want {
		t.Errorf("the shell reads %q back as %q, want %q", line, got, want)
	}
}
