package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// haServer is a server line of a backend in haproxy.cfg, with the options
// of its backend's default-server line before its own.
type haServer struct {
	name, addr string
	opts       []string
}

// opt returns the value after the last option word, or "".
func (s haServer) opt(word string) string {
	v := ""
	for i, o := range s.opts {
		if o == word && i+1 < len(s.opts) {
			v = s.opts[i+1]
		}
	}
	return v
}

func (s haServer) has(word string) bool { return slices.Contains(s.opts, word) }

// haBackends reads the backends of an haproxy.cfg: their server lines and
// whether they check /readyz over HTTP.
func haBackends(cfg string) (servers map[string][]haServer, readyz map[string]bool) {
	servers, readyz = map[string][]haServer{}, map[string]bool{}
	var backend string
	var defaults []string
	for line := range strings.Lines(cfg) {
		f := strings.Fields(strings.SplitN(line, "#", 2)[0])
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "backend" && len(f) > 1:
			backend, defaults = f[1], nil
		case f[0] == "global" || f[0] == "defaults" || f[0] == "frontend" || f[0] == "resolvers" || f[0] == "listen":
			backend = ""
		case backend == "":
		case f[0] == "default-server":
			defaults = f[1:]
		case f[0] == "server" && len(f) >= 3:
			servers[backend] = append(servers[backend], haServer{name: f[1], addr: f[2], opts: append(slices.Clone(defaults), f[3:]...)})
		case f[0] == "option" && len(f) >= 4 && f[1] == "httpchk" && f[3] == "/readyz":
			readyz[backend] = true
		}
	}
	return servers, readyz
}

// haproxyFor rewrites deploy/haproxy.cfg for a run on loopback: the
// frontends bind the given addresses, the servers are the given tlsecho
// processes (the file's extra servers are dropped), checks run every
// 100ms so the test takes seconds, and Docker's DNS resolver goes.
func haproxyFor(t *testing.T, cfg string, binds map[string]string, backends []*proc) string {
	t.Helper()
	var out strings.Builder
	inResolvers := false
	n := map[string]int{}
	for line := range strings.Lines(cfg) {
		f := strings.Fields(line)
		if len(f) > 0 && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			inResolvers = f[0] == "resolvers"
		}
		if inResolvers {
			continue
		}
		line = strings.ReplaceAll(line, " resolvers docker", "")
		line = strings.ReplaceAll(line, " init-addr last,libc,none", "")
		line = regexp.MustCompile(`\binter \S+`).ReplaceAllString(line, "inter 100ms")
		if len(f) >= 2 && f[0] == "timeout" && f[1] == "connect" {
			// Without a check timeout a check may take as long as inter:
			// 100ms, which a loaded machine under -race misses, and
			// HAProxy would take a healthy backend down.
			line += "    timeout check 5s\n"
		}
		switch {
		case len(f) >= 2 && f[0] == "bind":
			addr, ok := binds[strings.TrimPrefix(f[1], ":")]
			if !ok {
				t.Fatalf("haproxy.cfg binds %s, which the test does not know", f[1])
			}
			line = strings.Replace(line, f[1], addr, 1)
		case len(f) >= 3 && f[0] == "server":
			_, port, _ := net.SplitHostPort(f[2])
			i := n[port]
			n[port]++
			if i >= len(backends) {
				continue
			}
			var addr string
			switch port {
			case "8433":
				addr = backends[i].TLSAddr
			case "8443":
				addr = backends[i].HTTPSAddr
			default:
				t.Fatalf("haproxy.cfg sends to port %s, which tlsecho does not listen on", port)
			}
			line = strings.Replace(line, f[2], addr, 1)
			line = strings.Replace(line, "port 9090", "port "+listenPortOf(backends[i].AdminAddr), 1)
		}
		out.WriteString(line)
	}
	return out.String()
}

func listenPortOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// freeAddr is a loopback address with a port free a moment ago, for
// HAProxy, which cannot bind port 0 and report it. The port is below the
// kernel's ephemeral range, which port 0 and outgoing connections draw
// from: a port from that range can be taken by any other test's listener
// or connection before HAProxy binds it, and was (bind: address already
// in use).
func freeAddr(t *testing.T) string {
	t.Helper()
	low := 32768 // Linux's default start of the ephemeral range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(10000+rand.IntN(low-10000)))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	t.Fatalf("no free loopback port found in 10000-%d", low-1)
	return ""
}

// logWatch collects a child's output lines, so a test can wait for one.
type logWatch struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced on every line
}

func newLogWatch() *logWatch { return &logWatch{more: make(chan struct{})} }

func (w *logWatch) add(line string) {
	w.mu.Lock()
	w.lines = append(w.lines, line)
	close(w.more)
	w.more = make(chan struct{})
	w.mu.Unlock()
}

// follow reads r line by line until it ends.
func (w *logWatch) follow(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		w.add(sc.Text())
	}
}

// wait returns the first line holding every want, waiting up to within.
func (w *logWatch) wait(t *testing.T, within time.Duration, want ...string) string {
	t.Helper()
	deadline := time.After(within)
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			if containsEvery(l, want) {
				w.mu.Unlock()
				return l
			}
		}
		more := w.more
		w.mu.Unlock()
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no line with %q within %v; have:\n%s", want, within, w.String())
		}
	}
}

// changed is closed when the next line arrives.
func (w *logWatch) changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.more
}

// has reports whether a line holding every want has been seen.
func (w *logWatch) has(want ...string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.ContainsFunc(w.lines, func(l string) bool { return containsEvery(l, want) })
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

func containsEvery(s string, want []string) bool {
	for _, x := range want {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// watchProc moves a server process's log lines into a logWatch, as JSON
// text.
func watchProc(p *proc) *logWatch {
	w := newLogWatch()
	go func() {
		for m := range p.lines {
			var b strings.Builder
			for k, v := range m {
				fmt.Fprintf(&b, "%s=%v ", k, v)
			}
			w.add(b.String())
		}
	}()
	return w
}

// TestHAProxy runs Debian's HAProxy with deploy/haproxy.cfg (addresses and
// check intervals substituted) in front of two tlsecho processes that
// require PROXY headers from it. Raw TLS and wss reach both backends, and
// each logs the real client's address with the balancer's beside it.
// Then one backend gets SIGTERM with a drain delay: its /readyz turns 503
// at once, HAProxy marks it down, new connections go to the other, and the
// client held on the draining one gets every echo and a clean close before
// it exits 0.
func TestHAProxy(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	const drainDelay = 2 * time.Second
	env := []string{"TLSECHO_PROXY_PROTOCOL=require", "TLSECHO_PROXY_TRUSTED=127.0.0.1", "TLSECHO_LOG_LEVEL=debug",
		"TLSECHO_DRAIN_DELAY=" + drainDelay.String(), "TLSECHO_SHUTDOWN_TIMEOUT=6s"}
	backends := []*proc{startProc(t, env...), startProc(t, env...)}
	logs := []*logWatch{watchProc(backends[0]), watchProc(backends[1])}

	cfgText, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	front := map[string]string{"8433": freeAddr(t), "8443": freeAddr(t), "8404": freeAddr(t)}
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(haproxyFor(t, string(cfgText), front, backends)), 0o644); err != nil {
		t.Fatal(err)
	}
	hlog := startHAProxy(t, haproxy, cfgFile)
	tlsFront, httpsFront := front["8433"], front["8443"]
	waitChecked(t, "http://"+front["8404"]+"/;csv", 4)

	// Which backend served a client, from the backends' logs.
	servedBy := func(client string) int {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			// Take the channels first: a line logged after the check
			// closes them.
			more0, more1 := logs[0].changed(), logs[1].changed()
			for i, l := range logs {
				if l.has("msg=handshake", "peer="+client) {
					return i
				}
			}
			select {
			case <-more0:
			case <-more1:
			case <-deadline:
				t.Fatalf("no backend logged a handshake with %s", client)
			}
		}
	}

	// Raw TLS: two held connections, spread over both (leastconn).
	var held [2]*tls.Conn
	seen := map[int]string{}
	for i := range held {
		c, err := tls.Dial("tcp", tlsFront, insecureTLS)
		if err != nil {
			t.Fatalf("raw TLS through HAProxy: %v", err)
		}
		defer c.Close()
		held[i] = c
		echoLine(t, c, fmt.Sprintf("through haproxy %d\n", i))
		seen[servedBy(c.LocalAddr().String())] = c.LocalAddr().String()
	}
	if len(seen) != 2 {
		t.Fatalf("both raw TLS clients went to backend %v", seen)
	}
	// Each backend logged the client and, beside it, the balancer.
	for i, client := range seen {
		line := logs[i].wait(t, 5*time.Second, "msg=handshake", "peer="+client)
		if !strings.Contains(line, "balancer=127.0.0.1:") || strings.Contains(line, "balancer="+client) || !strings.Contains(line, "level=DEBUG") {
			t.Errorf("backend %d's handshake line lacks the balancer beside the client %s:\n%s", i, client, line)
		}
	}
	// wss: two held connections, one on each backend.
	wsSeen := map[int]bool{}
	for i := range 2 {
		d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: 5 * time.Second}
		wc, _, err := d.Dial("wss://"+httpsFront+"/ws", nil)
		if err != nil {
			t.Fatalf("wss through HAProxy: %v", err)
		}
		defer wc.Close()
		certWSEcho(t, wc, fmt.Sprintf("wss through haproxy %d", i))
		wsSeen[servedBy(wc.LocalAddr().String())] = true
	}
	if len(wsSeen) != 2 {
		t.Errorf("both wss clients went to one backend: %v", wsSeen)
	}

	// Drain the backend that holds held[0].
	victim := servedBy(held[0].LocalAddr().String())
	other := 1 - victim
	p := backends[victim]
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for readyz(p.AdminAddr) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not turn 503 after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	name := fmt.Sprintf("tlsecho%d", victim+1)
	// For the reason tlsecho gave: /readyz answering 503.
	hlog.wait(t, 5*time.Second, "Server tls/"+name+" is DOWN", "code: 503")
	hlog.wait(t, 5*time.Second, "Server https/"+name+" is DOWN", "code: 503")
	if took := time.Since(signalled); took >= drainDelay {
		t.Fatalf("HAProxy took %v to mark the backend down, past the %v drain delay: the rest proves nothing", took, drainDelay)
	}

	// New connections go to the other backend, while the draining one
	// still serves its held client.
	for i := range 3 {
		c, err := tls.Dial("tcp", tlsFront, insecureTLS)
		if err != nil {
			t.Fatalf("new raw TLS client during the drain: %v", err)
		}
		echoLine(t, c, fmt.Sprintf("after the drain began %d\n", i))
		if got := servedBy(c.LocalAddr().String()); got != other {
			t.Errorf("a new connection went to the draining backend %d", got)
		}
		c.Close()
	}
	held0 := &talker{conn: held[0]}
	// A round trip every 20 ms through the delay, well within DrainQuiet:
	// back to back they were some 13,000 through HAProxy and a backend
	// under -race, the most of this test's CPU, where a hundred show that
	// the draining backend still serves its client.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	err = nil
	for err == nil && !logs[victim].has("drain delay over") {
		err = held0.roundTrip()
		<-tick.C
	}
	// The held client was served through the whole delay, not let go
	// of at once (then it had no echo in it, and this test still passed).
	if took := time.Since(signalled); err == nil && took < drainDelay {
		t.Errorf("the drain delay was over %v after SIGTERM, want %v", took.Round(time.Millisecond), drainDelay)
	}
	sent := held0.sent
	// The drain: the server echoes until the client falls quiet, then
	// closes with close_notify, which HAProxy passes on. A round trip
	// through HAProxy on a loaded machine can take longer than the
	// server's DrainQuiet, and then the drain ends the client sooner.
	if err == nil {
		err = held0.roundTrip()
	}
	if !held0.endedQuietly(t, "the held client", err, signalled.Add(drainDelay)) {
		held[0].SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := held[0].Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("the held client's last read: %d bytes, %v; want a clean close (io.EOF after close_notify)", n, err)
		}
	}
	if err := p.wait(t, 10*time.Second); err != nil {
		t.Errorf("the drained backend exited with %v, want 0", err)
	}
	t.Logf("held client: %d echoes during the %v delay, then %d during the drain", sent, drainDelay, held0.sent-sent)
	// The other backend still serves its own held client.
	echoLine(t, held[1], "still here\n")
}

// haproxyTCPHead opens the configuration of a test's HAProxy in TCP
// mode, logging to its stdout (startHAProxy); the test adds its timeouts,
// frontends and backends.
const haproxyTCPHead = `global
    log stdout format raw local0 info
defaults
    mode tcp
    log global
    timeout connect 5s
`

// needHAProxy returns the path of the haproxy binary, or skips the test
// where it is missing, as the openssl and browser tests do; the README's
// test command installs it.
func needHAProxy(t *testing.T) string {
	t.Helper()
	haproxy, err := lookSbin("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed: not in PATH, /usr/sbin or /sbin (apt-get install haproxy; the README's test command does)")
	}
	return haproxy
}

// haproxyPEM writes a new certificate for 127.0.0.1 and its key into one
// file in dir, the form HAProxy's "crt" takes, and returns its path.
func haproxyPEM(t *testing.T, dir string) string {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	pem := filepath.Join(dir, "proxy.pem")
	if err := os.WriteFile(pem, append(g.CertPEM, g.KeyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	return pem
}

// startHAProxy runs haproxy in the foreground with cfgFile until the test
// ends, and returns its output (its log and its warnings) line by line.
func startHAProxy(t *testing.T, haproxy, cfgFile string) *logWatch {
	t.Helper()
	if out, err := exec.Command(haproxy, "-c", "-f", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	hp := exec.Command(haproxy, "-db", "-f", cfgFile)
	hlog := newLogWatch()
	stdout, _ := hp.StdoutPipe()
	stderr, _ := hp.StderrPipe()
	if err := hp.Start(); err != nil {
		t.Fatal(err)
	}
	var followed sync.WaitGroup
	followed.Go(func() { hlog.follow(stdout) })
	followed.Go(func() { hlog.follow(stderr) })
	t.Cleanup(func() {
		hp.Process.Signal(syscall.SIGTERM)
		followed.Wait()
		hp.Wait()
		if t.Failed() {
			t.Logf("haproxy:\n%s", hlog)
		}
	})
	return hlog
}

// waitAccepting waits until something accepts TCP connections on addr:
// a process started a moment ago (HAProxy) binds its ports in its own
// time.
func waitAccepting(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		c, err := net.DialTimeout("tcp", addr, ioWait)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing accepts on %s %v after it started: %v", addr, ioWait, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// echoLine sends line on c and checks it comes back.
func echoLine(t *testing.T, c *tls.Conn, line string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(line))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != line {
		t.Fatalf("echo %q: got %q, %v", line, got, err)
	}
}

// waitChecked waits until HAProxy's stats (CSV) show n servers up with
// a passed health check, so traffic is spread from the first connection.
func waitChecked(t *testing.T, statsURL string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	client := &http.Client{Timeout: time.Second}
	var last string
	for {
		if resp, err := client.Get(statsURL); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(body)
			up := 0
			for line := range strings.Lines(last) {
				// pxname,svname,...: a server row is neither FRONTEND nor BACKEND.
				f := strings.Split(line, ",")
				if len(f) > 37 && f[1] != "FRONTEND" && f[1] != "BACKEND" && f[17] == "UP" && f[36] == "L7OK" {
					up++
				}
			}
			if up == n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not report %d servers up and checked within 10s:\n%s", n, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
