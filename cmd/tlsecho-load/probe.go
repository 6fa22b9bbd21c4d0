package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverSample is the server process at one moment, as far as it is
// known: from /proc/PID with -pid, from the admin /metrics with -metrics.
type serverSample struct {
	ok         bool
	at         time.Time
	cpu        time.Duration // user plus system time since it started (-pid)
	rss        int64         // resident bytes (-pid, else -metrics), -1 unknown
	fds        int           // open descriptors (-pid, else -metrics), -1 unknown
	goroutines int           // go_goroutines (-metrics), -1 unknown
	err        error
}

// probe samples the server under load.
type probe struct {
	pid        int
	metricsURL string
	client     *http.Client
}

// newProbe reads process pid and scrapes metricsURL (either may be
// unset); remote lets the scrape connect beyond loopback (see
// scrapeClient).
func newProbe(pid int, metricsURL string, remote bool) *probe {
	return &probe{pid: pid, metricsURL: metricsURL, client: scrapeClient(remote)}
}

func (p *probe) enabled() bool { return p.pid > 0 || p.metricsURL != "" }

func (p *probe) sample() serverSample {
	s := serverSample{at: time.Now(), rss: -1, fds: -1, goroutines: -1}
	if !p.enabled() {
		return s
	}
	var errs []error
	// /proc first: the scrape makes the server build its answer, which
	// moves its memory for a moment (by a megabyte and more at the
	// soak's start), and that is not the load's.
	if p.pid > 0 {
		// A failed read leaves the figures unknown, not 0: a server that
		// exited would read as one that gave back all its memory.
		cpu, rss, fds, err := readProc(p.pid)
		if err == nil {
			s.cpu, s.rss, s.fds = cpu, rss, fds
		}
		errs = append(errs, err)
	}
	if p.metricsURL != "" {
		m, err := scrape(context.Background(), p.client, p.metricsURL)
		errs = append(errs, err)
		// What the exposition lacks stays unknown: a count of 0 would
		// read as a server with no descriptors or memory. /proc's
		// figures, when read, are the ones kept.
		if v, ok := m["go_goroutines"]; ok {
			s.goroutines = int(v)
		}
		if v, ok := m["process_resident_memory_bytes"]; ok && p.pid <= 0 {
			s.rss = int64(v)
		}
		if v, ok := m["process_open_fds"]; ok && p.pid <= 0 {
			s.fds = int(v)
		}
	}
	s.err = errors.Join(errs...)
	s.ok = s.err == nil
	return s
}

// settled waits (up to 30 s) for the server to return to the goroutines
// and descriptors it had before the load, and returns the last sample: a
// server closes its side of a connection a moment after the client. A
// server that fails settleFailures samples in a row has gone away (it
// exited, or stopped answering /metrics): waiting longer shows nothing.
func (p *probe) settled(ctx context.Context, before serverSample) serverSample {
	deadline := time.Now().Add(30 * time.Second)
	failed := 0
	for {
		s := p.sample()
		if failed = failed + 1; s.ok {
			failed = 0
		}
		back := s.ok && before.ok && s.goroutines <= before.goroutines && s.fds <= before.fds
		if !p.enabled() || back || failed >= settleFailures || time.Now().After(deadline) || !wait(ctx, nil, 100*time.Millisecond) {
			return s
		}
	}
}

// settleFailures is how many failed samples in a row end the wait for
// the server to settle: one may be a scrape that timed out under load.
const settleFailures = 3

// readProc reads a process's CPU time, resident memory and open
// descriptors from /proc.
func readProc(pid int) (cpu time.Duration, rss int64, fds int, err error) {
	dir := fmt.Sprintf("/proc/%d/", pid)
	stat, err := os.ReadFile(dir + "stat")
	if err != nil {
		return 0, 0, 0, err
	}
	if cpu, err = parseStatCPU(string(stat)); err != nil {
		return 0, 0, 0, err
	}
	status, err := os.ReadFile(dir + "status")
	if err != nil {
		return 0, 0, 0, err
	}
	if rss, err = parseStatusRSS(string(status)); err != nil {
		return 0, 0, 0, err
	}
	entries, err := os.ReadDir(dir + "fd")
	return cpu, rss, len(entries), err
}

// clockTick is the unit of /proc/PID/stat times: USER_HZ, 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// parseStatCPU sums utime and stime (fields 14 and 15) of a
// /proc/PID/stat line. The command name, field 2, is in parentheses and
// may hold spaces or parentheses, so fields are counted after the last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	f := strings.Fields(stat[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat line %.60q", stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc stat times: %w", err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// parseStatusRSS reads VmRSS from /proc/PID/status, in bytes.
func parseStatusRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// scrape reads the unlabelled samples of a Prometheus text exposition.
// It is given up when ctx ends.
func scrape(ctx context.Context, c *http.Client, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (map[string]float64, error) {
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.Contains(f[0], "{") {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			m[f[0]] = v
		}
	}
	return m, sc.Err()
}

// procFileLimit is a process's soft open-files limit, from /proc/PID/limits.
func procFileLimit(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no open-files limit in /proc limits")
}
