package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/testmain"
)

// The tests here run faults through the whole server, with real clients,
// and check what each client sees. The fault package's own tests cover
// each verb's edges; these show the wiring: sources, arming counts, the
// listeners, the surfaces, and that a fault leaves nothing behind.

// adminDo sends an admin request and returns the status and body.
func (ta *testApp) adminDo(t *testing.T, method, pathQuery string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+ta.AdminAddr+pathQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	// No keep-alive: an idle admin connection would count against the
	// goroutine and descriptor baselines.
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// arm arms spec on the admin port, or fails the test.
func (ta *testApp) arm(t *testing.T, listener, spec string, count string) {
	t.Helper()
	q := "/faults?listener=" + listener + "&spec=" + strings.NewReplacer(",", "%2C", ":", "%3A", "~", "%7E", "@", "%40").Replace(spec) + "&count=" + count
	if code, body := ta.adminDo(t, "POST", q); code != http.StatusCreated {
		t.Fatalf("POST %s = %d %s", q, code, body)
	}
}

// rawClient is a raw TLS connection that sees the records it is sent.
type rawClient struct {
	*tls.Conn
	obs       *fault.RecordObserver
	dialed    time.Time // before the TCP dial
	handshake time.Duration
	after     int // records seen by the end of the handshake
}

func (ta *testApp) dialRaw(t *testing.T) (*rawClient, error) {
	t.Helper()
	dialed := time.Now()
	nc, err := net.DialTimeout("tcp", ta.TLSAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	obs := &fault.RecordObserver{}
	cfg := ta.clientTLS()
	cfg.MinVersion = tls.VersionTLS13
	// Full 16 KiB records from the start, so the echo reads and writes
	// whole records (bw's test needs a write longer than a deadline).
	cfg.DynamicRecordSizingDisabled = true
	tc := tls.Client(fault.Observed(nc, obs), cfg)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	err = tc.Handshake()
	c := &rawClient{Conn: tc, obs: obs, dialed: dialed, handshake: time.Since(start), after: len(obs.Records())}
	tc.SetDeadline(time.Time{})
	t.Cleanup(func() { tc.Close() })
	return c, err
}

func (ta *testApp) mustDialRaw(t *testing.T) *rawClient {
	t.Helper()
	c, err := ta.dialRaw(t)
	if err != nil {
		t.Fatalf("handshake with %s: %v", ta.TLSAddr, err)
	}
	return c
}

// echo sends msg and waits for all of it to come back.
func (c *rawClient) echo(t *testing.T, msg string) time.Duration {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	io.WriteString(c, msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q: %q, %v", msg, got, err)
	}
	return time.Since(start)
}

// rest reads until the connection ends, and says how it ended.
func (c *rawClient) rest(within time.Duration) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(within))
	b, err := io.ReadAll(c)
	if err == nil {
		err = io.EOF
	}
	return b, err
}

// baseline is what the process had before a fault: connections served
// by one transport (counted by active), goroutines, descriptors.
type baseline struct {
	active                 func() int
	conns, goroutines, fds int
}

func takeBaseline(t *testing.T, active func() int) baseline {
	return baseline{active: active, conns: active(), goroutines: runtime.NumGoroutine(), fds: countFDs(t)}
}

// wait waits until the process is back to b: the fault's connection is
// gone and left no goroutine or descriptor behind.
func (b baseline) wait(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b.active() <= b.conns && runtime.NumGoroutine() <= b.goroutines && countFDs(t) <= b.fds {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("not back to baseline: %d connections (%d before), %d goroutines (%d before), %d descriptors (%d before); the server's goroutines:\n%s",
		b.active(), b.conns, runtime.NumGoroutine(), b.goroutines, countFDs(t), b.fds, serverStacks())
}

// noConns waits until each active counts no connection: warm-up
// connections closed and gone, before a baseline. Left open, one idled
// out in the middle of the first fault's test, whose baseline then
// counted what its end changed.
func noConns(t *testing.T, active ...func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range active {
		for n() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d connections still served 10s after their clients closed", n())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// serverStacks is the stacks of the goroutines that run tlsecho's code,
// for a failure that counts one too many.
func serverStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var ours []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "tlsecho/tlsecho/") && !strings.Contains(g, "testing.tRunner") {
			ours = append(ours, g)
		}
	}
	return strings.Join(ours, "\n\n")
}

// TestFaultsRawVerbs runs every verb that acts on the raw port through
// the real server, each armed for one connection, and checks what the
// client sees; after each the process is back to its baseline.
func TestFaultsRawVerbs(t *testing.T) {
	// A process of its own: the baseline below is the process's, and
	// this test's waits do not hold up the parallel tests.
	if !testmain.Alone(t) {
		return
	}
	// The blackhole check waits this long. The admin port's answers get
	// no longer either (newAdmin), and /metrics under -race on a loaded
	// machine has taken more than 600ms.
	const idle = 2 * time.Second
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": idle.String()})
	// One clean echo first, so the baseline includes what any first
	// connection starts for good.
	warm := ta.mustDialRaw(t)
	warm.echo(t, "warm up")
	warm.Close()
	noConns(t, ta.raw.Active)
	tests := []struct {
		spec  string
		check func(t *testing.T, c *rawClient, hsErr error)
	}{
		{"delay:150ms~50ms", func(t *testing.T, c *rawClient, _ error) {
			for range 3 {
				// At least D; the upper bound is loose (a loaded machine).
				if rtt := c.echo(t, "slow"); rtt < 150*time.Millisecond || rtt > 3*time.Second {
					t.Errorf("echo took %v, want at least 150ms", rtt)
				}
			}
		}},
		{"frag:2", func(t *testing.T, c *rawClient, _ error) {
			c.echo(t, "fragmented echo")
			for _, r := range c.obs.Records()[c.after:] {
				// TLS 1.3: plaintext plus a type byte and a 16-byte tag.
				if r.Len-17 > 2 {
					t.Fatalf("a record of %d bytes of echo, want at most 2", r.Len-17)
				}
			}
		}},
		// A 16 KiB record takes 2.7 s at this rate, longer than the idle
		// timeout that bounds each write: pacing must not count against
		// it.
		{"bw:6KiB", func(t *testing.T, c *rawClient, _ error) {
			msg := bytes.Repeat([]byte("z"), 17<<10)
			start := time.Now()
			go c.Write(msg)
			got := make([]byte, len(msg))
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			// No piece goes before its time at the rate, the first
			// included: 6% is room for the clocks' granularity.
			if bps := float64(len(msg)) / time.Since(start).Seconds(); bps > 6<<10*1.06 {
				t.Errorf("echo throughput %.0f B/s, want at most %d", bps, 6<<10)
			}
		}},
		{"hsdelay:250ms", func(t *testing.T, c *rawClient, hsErr error) {
			if hsErr != nil || c.handshake < 250*time.Millisecond {
				t.Fatalf("handshake took %v (%v), want at least 250ms", c.handshake, hsErr)
			}
			c.echo(t, "then as usual")
		}},
		{"alert:access_denied", func(t *testing.T, c *rawClient, hsErr error) {
			if hsErr == nil || !strings.Contains(hsErr.Error(), "remote error: tls: access denied") {
				t.Fatalf("handshake: %v, want the access_denied alert", hsErr)
			}
		}},
		{"close@4", func(t *testing.T, c *rawClient, _ error) {
			io.WriteString(c, "abcdef")
			got, err := c.rest(5 * time.Second)
			recs := c.obs.Records()[c.after:]
			// The echo of 4 bytes, then one record more: close_notify.
			if string(got) != "abcd" || !errors.Is(err, io.EOF) || len(recs) != 2 || recs[1].Len != 2+17 {
				t.Fatalf("got %q, %v, records %v; want abcd, then close_notify and the end", got, err, recs)
			}
		}},
		{"fin@4", func(t *testing.T, c *rawClient, _ error) {
			io.WriteString(c, "abcdef")
			got, err := c.rest(5 * time.Second)
			recs := c.obs.Records()[c.after:]
			// The echo and nothing more: a FIN with no close_notify.
			if string(got) != "abcd" || !errors.Is(err, io.EOF) || len(recs) != 1 {
				t.Fatalf("got %q, %v, records %v; want abcd, then a bare FIN", got, err, recs)
			}
		}},
		{"rst@4", func(t *testing.T, c *rawClient, _ error) {
			io.WriteString(c, "abcdef")
			if got, err := c.rest(5 * time.Second); !errors.Is(err, syscall.ECONNRESET) || len(got) > 4 {
				t.Fatalf("got %q, %v; want at most abcd, then a reset", got, err)
			}
		}},
		{"blackhole", func(t *testing.T, c *rawClient, _ error) {
			io.WriteString(c, "hello?")
			got, err := c.rest(10 * time.Second)
			// The hold begins when the server takes the connection, before
			// this write: the idle timeout counts from the dial, not from
			// now (a hold begun a few ms before this write ended 599.5ms
			// after it).
			if took := time.Since(c.dialed); len(got) != 0 || !errors.Is(err, io.EOF) || took < idle {
				t.Fatalf("got %q, %v %v after the dial; want nothing until the idle timeout %v", got, err, took, idle)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			base := takeBaseline(t, ta.raw.Active)
			ta.arm(t, "tls", tt.spec, "1")
			c, err := ta.dialRaw(t)
			tt.check(t, c, err)
			c.Close()
			base.wait(t)
		})
	}
	// Every verb above was counted once.
	_, body := ta.adminDo(t, "GET", "/metrics")
	for _, v := range []string{"delay", "frag", "bw", "hsdelay", "alert", "close", "fin", "rst", "blackhole"} {
		if !strings.Contains(body, `tlsecho_faults_total{verb="`+v+`"} 1`) {
			t.Errorf("metrics do not count one %s:\n%s", v, grepLines(body, "tlsecho_faults_total"))
		}
	}
	if !strings.Contains(ta.Log.String(), `msg="fault applied" listener=tls`) {
		t.Error("no fault applied line in the debug log")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestFaultsArmCount arms count=2 on the raw port: exactly the next two
// raw connections get it, a wss connection between them neither gets it
// nor uses up the count, and GET shows what remains.
func TestFaultsArmCount(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	// rst@1, not rst: a reset before the client's first write could be
	// reported by that write, leaving the read an EOF.
	ta.arm(t, "tls", "rst@1", "2")
	remaining := func(want string) {
		t.Helper()
		if _, body := ta.adminDo(t, "GET", "/faults"); strings.TrimSpace(body) != want {
			t.Fatalf("GET /faults = %s, want %s", body, want)
		}
	}
	remaining(`[{"listener":"tls","spec":"rst@1","remaining":2}]`)
	wssEcho(t, ta, "clean wss")
	remaining(`[{"listener":"tls","spec":"rst@1","remaining":2}]`)
	reset := func() bool {
		c := ta.mustDialRaw(t)
		io.WriteString(c, "x")
		_, err := c.rest(5 * time.Second)
		return errors.Is(err, syscall.ECONNRESET)
	}
	if !reset() {
		t.Fatal("the first raw connection was not reset")
	}
	remaining(`[{"listener":"tls","spec":"rst@1","remaining":1}]`)
	if !reset() {
		t.Fatal("the second raw connection was not reset")
	}
	remaining(`[]`)
	ta.mustDialRaw(t).echo(t, "the third is clean")

	ta.arm(t, "tls", "rst", "5")
	if code, body := ta.adminDo(t, "DELETE", "/faults"); code != 200 || !strings.Contains(body, `"disarmed":1`) {
		t.Fatalf("DELETE /faults = %d %s", code, body)
	}
	remaining(`[]`)
	ta.mustDialRaw(t).echo(t, "disarmed")
}

// wssEcho echoes one message over wss to the test server.
func wssEcho(t *testing.T, ta *testApp, msg string) {
	t.Helper()
	c := dialWSS(t, ta, "")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(1, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
		t.Fatalf("wss echo: %q, %v", got, err)
	}
}

// TestFaultsSideBySide: a delayed and a reset connection beside clean
// ones; the clean ones' echoes are neither delayed nor cut.
func TestFaultsSideBySide(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	// A clean echo held like the delayed one would take the whole hold;
	// one that is not takes a round trip, which a loaded 2-core machine
	// under -race stretched to half a second: the hold is long enough
	// that half of it tells the two apart with room to spare.
	const hold = 3 * time.Second
	ta.arm(t, "tls", "delay:"+hold.String(), "1")
	slow := ta.mustDialRaw(t)
	ta.arm(t, "tls", "rst@1", "1")
	cut := ta.mustDialRaw(t)
	done := make(chan time.Duration, 1)
	go func() {
		slow.SetDeadline(time.Now().Add(10 * time.Second))
		start := time.Now()
		io.WriteString(slow, "slow")
		io.ReadFull(slow, make([]byte, 4))
		done <- time.Since(start)
	}()
	io.WriteString(cut, "cut")
	for i := range 3 {
		clean := ta.mustDialRaw(t)
		for range 5 {
			if rtt := clean.echo(t, "clean"); rtt > hold/2 {
				t.Errorf("clean connection %d: echo took %v beside one delayed %v", i, rtt, hold)
			}
		}
	}
	if rtt := <-done; rtt < hold {
		t.Errorf("the delayed echo took %v", rtt)
	}
	if _, err := cut.rest(5 * time.Second); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the rst@1 connection ended with %v", err)
	}
}

// TestFaultsDefault applies TLSECHO_FAULT to every raw connection.
func TestFaultsDefault(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULT": "delay:100ms"})
	for range 2 {
		if rtt := ta.mustDialRaw(t).echo(t, "every connection"); rtt < 100*time.Millisecond {
			t.Fatalf("echo took %v under TLSECHO_FAULT=delay:100ms", rtt)
		}
	}
	// An armed spec comes first: it replaces the default, it does not add.
	ta.arm(t, "tls", "frag:1", "1")
	if rtt := ta.mustDialRaw(t).echo(t, "armed"); rtt >= 100*time.Millisecond {
		t.Logf("armed echo took %v (the default's delay must not apply; timing only hints)", rtt)
	}
}

// TestFaultsDefaultCountsWhatActs: TLSECHO_FAULT=nopong reaches both
// echoes, but the raw port has no pings to leave unanswered, so only the
// wss connection counts it in tlsecho_faults_total.
func TestFaultsDefaultCountsWhatActs(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULT": "nopong"})
	counted := func(want string) {
		t.Helper()
		_, body := ta.adminDo(t, "GET", "/metrics")
		if !strings.Contains(body, `tlsecho_faults_total{verb="nopong"} `+want+"\n") {
			t.Fatalf("want nopong counted %s times:\n%s", want, grepLines(body, "tlsecho_faults_total"))
		}
	}
	ta.mustDialRaw(t).echo(t, "no pings here")
	counted("0")
	wssEcho(t, ta, "pings here")
	counted("1")
}

// TestFaultsOff: with TLSECHO_FAULTS=false the admin port refuses to arm.
func TestFaultsOff(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULTS": "false"})
	code, body := ta.adminDo(t, "POST", "/faults?listener=tls&spec=rst")
	if code != http.StatusForbidden || !strings.Contains(body, "TLSECHO_FAULTS=false") {
		t.Fatalf("POST /faults with faults off = %d %q, want 403", code, body)
	}
	ta.mustDialRaw(t).echo(t, "nothing armed")
}

// TestFaultsConfig: a bad TLSECHO_FAULT stops the start with one line
// naming the variable and the verb.
func TestFaultsConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env   []string
		wants []string
	}{
		{[]string{"TLSECHO_FAULT=explode"}, []string{"TLSECHO_FAULT: explode: unknown verb"}},
		{[]string{"TLSECHO_FAULT=delay:2m"}, []string{"TLSECHO_FAULT: delay:", "longer than"}},
		{[]string{"TLSECHO_FAULT=frag:0"}, []string{"TLSECHO_FAULT: frag:"}},
		{[]string{"TLSECHO_FAULT=close:1005"}, []string{"TLSECHO_FAULT: close: 1005"}},
		{[]string{"TLSECHO_FAULT=delay:1ms,frag:1,bw:1KiB,close@9,fin@10,rst@11,blackhole@12,nopong,status:500"}, []string{"TLSECHO_FAULT: status: too many verbs"}},
		{[]string{"TLSECHO_FAULT=hsdelay:2s", "TLSECHO_HANDSHAKE_TIMEOUT=2s"}, []string{"TLSECHO_FAULT: hsdelay: 2s must be below the handshake timeout"}},
		{[]string{"TLSECHO_FAULT=rst", "TLSECHO_FAULTS=false"}, []string{"TLSECHO_FAULT", "TLSECHO_FAULTS=false"}},
		{[]string{"TLSECHO_FAULTS=maybe"}, []string{"TLSECHO_FAULTS", "true or false"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.env, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			env := append([]string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR="}, tt.env...)
			if code := run(ctx, nil, env, nil, &stdout, &stderr); code != exitUsage {
				t.Fatalf("exit %d, want %d", code, exitUsage)
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 {
				t.Errorf("stderr is not one line:\n%s", out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q does not say %q", out, w)
				}
			}
		})
	}
}

// TestFaultsAlertOpenSSL: openssl s_client names the alert it got.
func TestFaultsAlertOpenSSL(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	for _, a := range []struct{ name, text, number string }{
		{"handshake_failure", "alert handshake failure", "alert number 40"},
		{"unrecognized_name", "unrecognized name", "alert number 112"},
		{"protocol_version", "alert protocol version", "alert number 70"},
	} {
		ta.arm(t, "tls", "alert:"+a.name, "1")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, _ := exec.CommandContext(ctx, "openssl", "s_client", "-connect", ta.TLSAddr, "-servername", "localhost").CombinedOutput()
		cancel()
		if !strings.Contains(string(out), a.text) || !strings.Contains(string(out), a.number) {
			t.Errorf("openssl with alert:%s said:\n%s", a.name, out)
		}
	}
}

// wsClient is a wss client that sees the frames it is sent.
type wsClient struct {
	*websocket.Conn
	frames *fault.FrameObserver
}

// dialWSS opens wss://…/ws on the test server, with query appended.
func dialWSS(t *testing.T, ta *testApp, query string) *wsClient {
	t.Helper()
	c, resp, err := dialWSSResp(t, ta, query)
	if err != nil {
		t.Fatalf("dial /ws%s: %v (%v)", query, err, resp)
	}
	return c
}

func dialWSSResp(t *testing.T, ta *testApp, query string) (*wsClient, *http.Response, error) {
	t.Helper()
	obs := &fault.FrameObserver{}
	d := websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		NetDialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			tc, err := (&tls.Dialer{Config: ta.clientTLS()}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return fault.Observed(tc, obs), nil
		},
	}
	c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws"+query, nil)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { c.Close() })
	return &wsClient{Conn: c, frames: obs}, resp, nil
}

// dialPlainWS opens ws://…/ws on the test server's plain HTTP listener, with
// query appended.
func dialPlainWS(t *testing.T, ta *testApp, query string) *wsClient {
	t.Helper()
	obs := &fault.FrameObserver{}
	d := websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return fault.Observed(c, obs), nil
		},
	}
	c, resp, err := d.Dial("ws://"+ta.HTTPAddr+"/ws"+query, nil)
	if err != nil {
		t.Fatalf("dial /ws%s: %v (%v)", query, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return &wsClient{Conn: c, frames: obs}
}

// TestFaultsArmHTTP: with the plain HTTP listener on, POST /faults arms it
// too, and refuses the verbs that need a TLS handshake there.
func TestFaultsArmHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	ta.arm(t, "http", "delay:10ms", "1")
	code, body := ta.adminDo(t, "POST", "/faults?listener=http&spec=hsdelay%3A1s")
	if code != http.StatusBadRequest || !strings.Contains(body, "fault: hsdelay: acts on the TLS handshake, and listener http has none") {
		t.Fatalf("hsdelay on http = %d %q", code, body)
	}
	noHTTP := startApp(t, nil)
	if code, body := noHTTP.adminDo(t, "POST", "/faults?listener=http&spec=rst"); code != http.StatusBadRequest || !strings.Contains(body, `listener "http"`) {
		t.Fatalf("arming http with no http listener = %d %q", code, body)
	}
}
