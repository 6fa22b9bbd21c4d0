package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/testmain"
)

// faultQuery is ?fault=spec, escaped.
func faultQuery(spec string) string { return "?fault=" + url.QueryEscape(spec) }

// echo sends msg as text and checks the echo, returning the round trip.
func (c *wsClient) echo(t *testing.T, msg string) time.Duration {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	mt, got, err := c.ReadMessage()
	if err != nil || mt != websocket.TextMessage || string(got) != msg {
		t.Fatalf("echo of %q: %d %q, %v", msg, mt, got, err)
	}
	return time.Since(start)
}

// next reads until the connection ends and returns that error.
func (c *wsClient) end(within time.Duration) error {
	c.SetReadDeadline(time.Now().Add(within))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

// TestFaultsWSVerbs runs every verb that a /ws URL may ask for through the
// real server, and checks what a gorilla client sees; after each the
// process is back to its baseline.
func TestFaultsWSVerbs(t *testing.T) {
	// A process of its own: the baseline below is the process's, and
	// this test's waits do not hold up the parallel tests.
	if !testmain.Alone(t) {
		return
	}
	// The blackhole check waits this long. The admin port's answers get
	// no longer either (newAdmin), and /metrics under -race on a loaded
	// machine has taken more than 600ms.
	const idle = 2 * time.Second
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": idle.String(), "HTTP_ADDR": "127.0.0.1:0"})
	for _, dial := range []func(*testing.T, *testApp, string) *wsClient{dialWSS, dialPlainWS} {
		warm := dial(t, ta, "")
		warm.echo(t, "warm up")
		warm.Close()
	}
	noConns(t, ta.ws.Active, ta.plainWS.Active)
	tests := []struct {
		spec  string
		check func(t *testing.T, c *wsClient)
	}{
		{"delay:150ms~50ms", func(t *testing.T, c *wsClient) {
			for range 3 {
				// At least D; the upper bound only catches a hold far
				// beyond D+J (a loaded machine adds, never removes).
				if rtt := c.echo(t, "slow"); rtt < 150*time.Millisecond || rtt > 3*time.Second {
					t.Errorf("echo took %v, want at least 150ms", rtt)
				}
			}
		}},
		{"frag:3@1", func(t *testing.T, c *wsClient) {
			c.echo(t, "whole")
			c.echo(t, "in frames of three")
			got := c.frames.Take()
			want := []fault.Framing{{Frames: 1, Largest: 5}, {Frames: 6, Largest: 3}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("framing %v, want %v", got, want)
			}
		}},
		{"close:4001:going away now@2", func(t *testing.T, c *wsClient) {
			c.echo(t, "one")
			c.echo(t, "two")
			// Closed right after the second echo, with no third message.
			var ce *websocket.CloseError
			if err := c.end(5 * time.Second); !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "going away now" {
				t.Fatalf("after two echoes: %v, want close 4001 \"going away now\"", err)
			}
		}},
		{"fin@1", func(t *testing.T, c *wsClient) {
			c.echo(t, "one")
			var ce *websocket.CloseError
			err := c.end(5 * time.Second)
			if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure || ce.Text != io.ErrUnexpectedEOF.Error() {
				t.Fatalf("after fin: %v, want a bare FIN (1006, unexpected EOF)", err)
			}
			if n := c.frames.Controls(); n != 0 {
				t.Fatalf("%d control frames before the FIN, want none", n)
			}
		}},
		{"rst@1", func(t *testing.T, c *wsClient) {
			c.echo(t, "one")
			if err := c.end(5 * time.Second); !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("after rst: %v, want a reset", err)
			}
		}},
		{"blackhole@1", func(t *testing.T, c *wsClient) {
			start := time.Now()
			c.echo(t, "one")
			c.WriteMessage(websocket.TextMessage, []byte("anyone?"))
			err := c.end(10 * time.Second)
			if took := time.Since(start); took < idle || errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("after blackhole: %v after %v; want nothing until the idle timeout %v, then a FIN", err, took, idle)
			}
			if n := c.frames.Controls(); n != 0 {
				t.Fatalf("%d control frames from a blackholed server", n)
			}
		}},
		{"nopong@1", func(t *testing.T, c *wsClient) {
			var pongs atomic.Int32
			c.SetPongHandler(func(string) error { pongs.Add(1); return nil })
			// A ping then a message: the server reads them in order, so a
			// pong, if sent, arrives before the echo.
			c.WriteControl(websocket.PingMessage, []byte("before"), time.Now().Add(time.Second))
			c.echo(t, "one")
			if pongs.Load() != 1 {
				t.Fatalf("%d pongs before nopong@1 took effect, want 1", pongs.Load())
			}
			c.WriteControl(websocket.PingMessage, []byte("after"), time.Now().Add(time.Second))
			c.echo(t, "two")
			if pongs.Load() != 1 {
				t.Fatal("a ping was answered after nopong took effect")
			}
		}},
	}
	// The same on the plain HTTP listener's ws://, behind a proxy that
	// ends TLS: the verbs act on the WebSocket and the socket, not on TLS.
	ports := []struct {
		name   string
		dial   func(t *testing.T, ta *testApp, query string) *wsClient
		active func() int
	}{
		{"https", dialWSS, ta.ws.Active},
		{"http", dialPlainWS, ta.plainWS.Active},
	}
	for _, port := range ports {
		for _, tt := range tests {
			t.Run(port.name+"/"+tt.spec, func(t *testing.T) {
				base := takeBaseline(t, port.active)
				c := port.dial(t, ta, faultQuery(tt.spec))
				tt.check(t, c)
				c.Close()
				base.wait(t)
			})
		}
		if !strings.Contains(ta.Log.String(), `msg="fault applied" listener=`+port.name) {
			t.Errorf("no fault applied line for listener %s in the debug log", port.name)
		}
	}
}

// TestFaultsWSBandwidth measures a wss echo's throughput under bw: the
// frame keeps its shape, its bytes arrive slower. The message fits in
// one piece of the streamed fault echo (16,373 bytes): a longer one
// comes back in frames of a piece, bw or not.
func TestFaultsWSBandwidth(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	c := dialWSS(t, ta, faultQuery("bw:16KiB"))
	msg := bytes.Repeat([]byte("b"), 16000)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	c.WriteMessage(websocket.BinaryMessage, msg)
	_, got, err := c.ReadMessage()
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo: %d bytes, %v", len(got), err)
	}
	// The first twentieth of a second may go at once: 5% over a second.
	if bps := float64(len(msg)) / time.Since(start).Seconds(); bps > 16<<10*1.06 {
		t.Fatalf("echo throughput %.0f B/s, want at most %d", bps, 16<<10)
	}
	if f := c.frames.Take(); len(f) != 1 || f[0].Frames != 1 {
		t.Fatalf("framing %v, want one frame: bw must not fragment", f)
	}
}

// TestFaultsWSRefused: the upgrade refused with status:CODE, and every
// kind of bad URL spec answered 400 with its one line, before any upgrade.
func TestFaultsWSRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		spec   string
		status int
		want   string
	}{
		{"status:418", 418, "fault: upgrade refused with 418"},
		{"explode", 400, "fault: explode: unknown verb"},
		{"delay:soon", 400, "fault: delay: \"soon\" is not a duration"},
		{"frag:99999", 400, "fault: frag: \"99999\": want a size from 1 to 16384"},
		{"close:1005", 400, "fault: close: 1005 may not be sent"},
		{"delay:1ms,frag:1,bw:1KiB,close@9,fin@10,rst@11,blackhole@12,nopong,status:500", 400, "fault: status: too many verbs"},
		{"alert:handshake_failure", 400, "fault: alert: acts before the TLS handshake, and a URL is read after it: arm it with POST /faults on the admin port, or set TLSECHO_FAULT"},
		{"hsdelay:1s", 400, "fault: hsdelay: acts before the TLS handshake"},
	}
	for _, tt := range tests {
		_, resp, err := dialWSSResp(t, ta, faultQuery(tt.spec))
		if err == nil || resp == nil {
			t.Fatalf("?fault=%s: upgraded (%v)", tt.spec, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) || strings.Count(strings.TrimSpace(string(body)), "\n") > 0 {
			t.Errorf("?fault=%s: %d %q, want %d with one line %q", tt.spec, resp.StatusCode, body, tt.status, tt.want)
		}
	}
	_, body := ta.adminDo(t, "GET", "/metrics")
	if !strings.Contains(body, `tlsecho_faults_total{verb="status"} 1`) {
		t.Errorf("status:418 not counted:\n%s", grepLines(body, "tlsecho_faults_total"))
	}
}

// TestFaultsWSQueryMalformed: a fault parameter that Go's query parser
// would drop without a word (a ";" for a separator, a bare "%") or one
// given twice gets 400 naming the mistake, not an echo without faults; a
// ";" elsewhere in the query is none of the server's business.
func TestFaultsWSQueryMalformed(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		query, want string
	}{
		{"?fault=status:503;close:4001", `has a ";", which is no separator`},
		{"?x=1;fault=status:503", `has a ";", which is no separator`},
		{"?fault=close:4001:100%", "is not URL-encoded"},
		{"?fault=close:4001:%zz", "is not URL-encoded"},
		{"?fault=status:503&fault=rst", "given more than once"},
		{"?fault=&fault=", "given more than once"},
	}
	for _, tt := range tests {
		_, resp, err := dialWSSResp(t, ta, tt.query)
		if err == nil || resp == nil {
			t.Fatalf("%s: upgraded (%v), want 400", tt.query, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.want) || strings.Count(strings.TrimSpace(string(body)), "\n") > 0 {
			t.Errorf("%s: %d %q, want 400 with one line saying %q", tt.query, resp.StatusCode, body, tt.want)
		}
	}
	// A stray ";" away from the fault parameter leaves the request as Go
	// reads it: here, with the spec in full.
	if _, resp, err := dialWSSResp(t, ta, "?x=1;y=2&fault=status:418"); err == nil || resp == nil || resp.StatusCode != 418 {
		t.Errorf("?x=1;y=2&fault=status:418: %v %v, want 418", err, resp)
	}
	c, _, err := dialWSSResp(t, ta, "?x=1;y=2")
	if err != nil {
		t.Fatalf("?x=1;y=2: %v, want an upgrade", err)
	}
	c.echo(t, "no faults asked")
}

// TestFaultsWSOff: with TLSECHO_FAULTS=false a URL that asks for faults
// gets 400, also with an empty fault parameter; one without the parameter
// is served.
func TestFaultsWSOff(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULTS": "false"})
	for _, spec := range []string{"delay:1ms", ""} {
		_, resp, err := dialWSSResp(t, ta, faultQuery(spec))
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("?fault=%s with faults off: %v %v, want 400", spec, err, resp)
		}
		body, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(body), "TLSECHO_FAULTS=false") {
			t.Errorf("?fault=%s: 400 body %q does not say faults are off", spec, body)
		}
	}
	wssEcho(t, ta, "no faults asked")
}

// TestFaultsWSArmed arms the HTTPS listener (as "wss"): exactly the next
// two connections on it get the spec, whatever they do, and a raw TLS
// connection is untouched. hsdelay and alert act on the handshake of an
// https connection as on the raw port.
func TestFaultsWSArmed(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ta.arm(t, "wss", "close:4002@1", "2")
	ta.mustDialRaw(t).echo(t, "raw is not armed")
	for i := range 2 {
		c := dialWSS(t, ta, "")
		c.echo(t, "one")
		var ce *websocket.CloseError
		if err := c.end(5 * time.Second); !errors.As(err, &ce) || ce.Code != 4002 {
			t.Fatalf("armed connection %d: %v, want close 4002", i, err)
		}
	}
	c := dialWSS(t, ta, "")
	c.echo(t, "the third is clean")
	c.echo(t, "and stays open")

	// A URL spec comes first: it replaces the armed one.
	ta.arm(t, "wss", "rst", "1")
	dialWSS(t, ta, faultQuery("delay:1ms")).echo(t, "the URL wins")

	ta.arm(t, "wss", "hsdelay:300ms", "1")
	start := time.Now()
	dialWSS(t, ta, "").echo(t, "after the wait")
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("connect and echo took %v under hsdelay:300ms", took)
	}
	ta.arm(t, "wss", "alert:bad_certificate", "1")
	if _, _, err := dialWSSResp(t, ta, ""); err == nil || !strings.Contains(err.Error(), "remote error: tls: bad certificate") {
		t.Fatalf("dial under alert:bad_certificate: %v", err)
	}
}

// TestFaultsWSSideBySide: connections with faults beside clean ones; the
// clean ones' echoes are neither held nor cut.
func TestFaultsWSSideBySide(t *testing.T) {
	t.Parallel()
	// The hold is long enough that a clean echo, bounded at half of it,
	// is told from a held one even on a loaded machine under -race, where
	// a single echo has taken 420ms.
	const hold = 3 * time.Second
	ta := startApp(t, nil)
	slow := dialWSS(t, ta, faultQuery("delay:"+hold.String()))
	cut := dialWSS(t, ta, faultQuery("rst@1"))
	done := make(chan time.Duration, 1)
	go func() {
		slow.SetReadDeadline(time.Now().Add(hold + ioWait))
		start := time.Now()
		slow.WriteMessage(websocket.TextMessage, []byte("slow"))
		slow.ReadMessage()
		done <- time.Since(start)
	}()
	cut.WriteMessage(websocket.TextMessage, []byte("cut"))
	for i := range 3 {
		clean := dialWSS(t, ta, "")
		for range 5 {
			if rtt := clean.echo(t, "clean"); rtt > hold/2 {
				t.Errorf("clean connection %d: echo took %v beside faulty ones", i, rtt)
			}
		}
	}
	if rtt := <-done; rtt < hold {
		t.Errorf("the delayed echo took %v", rtt)
	}
}

// TestClientObservesWSFaults: `tlsecho client` shows frames per message
// and the close code and reason a fault sent.
func TestClientObservesWSFaults(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	caFile := writeCertFile(t, ta.src.Leaf())
	base := "wss://" + ta.HTTPSAddr + "/ws"
	client := func(args ...string) clientResult {
		return runClient(t, "", append([]string{"-ca", caFile, "-servername", "localhost"}, args...)...)
	}
	client(base+faultQuery("frag:4"), "hello world").want(t, 0, []string{"3 frames of at most 4 bytes", "close         1000"}, nil)
	client("-n", "3", base+faultQuery("close:4001:bye@2"), "hello").want(t, 1, []string{"echo 2/3"},
		[]string{`closed the WebSocket with 4001 "bye" instead of sending the echo`})
	client("-n", "2", base+faultQuery("close:4003:done@2"), "hello").want(t, 1, []string{`close         4003 "done", sent by the server`},
		[]string{`ended the WebSocket with close 4003 "done", not with the 1000 that answers the client's close 1000`})
	client(base+faultQuery("fin"), "hello").want(t, 1, nil, []string{"ended the connection with a TCP FIN and no close frame"})
	client(base+faultQuery("status:503"), "hello").want(t, 1, nil, []string{"HTTP 503", "fault: upgrade refused with 503"})
	client("-ping", "-n", "2", base+faultQuery("nopong@1"), "hello").want(t, 0, []string{"echo 1/2", ", pong ", "echo 2/2", ", no pong"}, nil)
}

// TestFaultsBoundsAsWritten: a spec at the bound an error message names is
// accepted, as written there (bw up to 1GiB), and a @duration out of
// bounds is refused with the bound, not with a hint at the syntax.
func TestFaultsBoundsAsWritten(t *testing.T) {
	ta := startApp(t, nil)
	code, body := ta.adminDo(t, "POST", "/faults?listener=tls&spec="+url.QueryEscape("bw:1GiB"))
	if code != http.StatusCreated || !strings.Contains(body, `"spec":"bw:1GiB"`) {
		t.Errorf("POST /faults spec=bw:1GiB = %d %s, want 201 with the spec as written", code, body)
	}
	ta.mustDialRaw(t).echo(t, "at full speed")
	c := dialWSS(t, ta, faultQuery("bw:1GiB"))
	c.echo(t, "at full speed")

	refused := []struct{ spec, why string }{
		{"rst@61s", "rst: @\"61s\": 1m1s is longer than the 1m0s a fault may last"},
		{"fin@0s", "fin: @\"0s\": want a duration above 0"},
	}
	for _, tt := range refused {
		_, resp, err := dialWSSResp(t, ta, faultQuery(tt.spec))
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("?fault=%s: %v %v, want 400", tt.spec, err, resp)
		}
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), tt.why) {
			t.Errorf("?fault=%s: 400 body %q does not say %q", tt.spec, b, tt.why)
		}
		code, body := ta.adminDo(t, "POST", "/faults?listener=https&spec="+url.QueryEscape(tt.spec))
		if code != http.StatusBadRequest || !strings.Contains(body, tt.why) {
			t.Errorf("POST /faults spec=%s = %d %q, want 400 saying %q", tt.spec, code, body, tt.why)
		}
	}
}
