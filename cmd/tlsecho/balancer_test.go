package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pires/go-proxyproto"
)

// proxiedDialer dials and then sends a PROXY header naming client, as a
// load balancer in front would; it reports the balancer's own address
// (the TCP peer the server sees) on seen.
func proxiedDialer(version byte, client string, seen chan<- string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		src, _ := net.ResolveTCPAddr("tcp", client)
		if _, err := proxyproto.HeaderProxyFromAddrs(version, src, c.RemoteAddr()).WriteTo(c); err != nil {
			c.Close()
			return nil, err
		}
		if seen != nil {
			seen <- c.LocalAddr().String()
		}
		return c, nil
	}
}

// infoClient is the client section of /info.
type infoClient struct {
	Client struct {
		Address               string `json:"address"`
		Balancer              string `json:"balancer"`
		Proxy                 string `json:"proxy"`
		Scheme                string `json:"scheme"`
		TLSTerminatedUpstream bool   `json:"tls_terminated_upstream"`
	} `json:"client"`
	TLS *struct{} `json:"tls"`
}

func getInfo(t *testing.T, client *http.Client, url string, hdr map[string]string) infoClient {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var doc infoClient
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// logLineWith returns the first log line that holds every want.
func logLineWith(logText string, want ...string) string {
	for line := range strings.Lines(logText) {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return line
		}
	}
	return ""
}

// TestProxyProtocol runs the whole server with PROXY headers required
// from a trusted balancer (here 127.0.0.1): on the raw TLS port, for
// https, wss and the plain HTTP listener, the client the header names is
// the one logged and shown in /info and /hellos, with the balancer beside
// it at debug level; a connection without a header is closed, the admin
// listener takes none, and `tlsecho health` gets through without admin.
func TestProxyProtocol(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1, 10.0.0.0/8", "HTTP_ADDR": "127.0.0.1:0"})

	// Raw TLS behind a v2 header.
	seen := make(chan string, 10)
	c, err := proxiedDialer(2, "203.0.113.7:40001", seen)(context.Background(), "tcp", ta.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	balancer := <-seen
	tc := tls.Client(c, ta.clientTLS())
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(tc, "through the balancer\n")
	got := make([]byte, len("through the balancer\n"))
	if _, err := io.ReadFull(tc, got); err != nil || string(got) != "through the balancer\n" {
		t.Fatalf("echo behind a PROXY header: %q, %v", got, err)
	}
	line := waitLogged(t, ta, `peer=203.0.113.7:40001`)
	if hs := logLineWith(ta.Log.String(), "msg=handshake", "listener=tls", "peer=203.0.113.7:40001", "balancer="+balancer); hs == "" || !strings.Contains(hs, "level=DEBUG") {
		t.Errorf("no debug handshake line with the client and the balancer %s; first line with the client:\n%s", balancer, line)
	}

	// https /info and wss behind a v1 header.
	tr := &http.Transport{DialContext: proxiedDialer(1, "198.51.100.3:40002", seen), TLSClientConfig: ta.clientTLS()}
	defer tr.CloseIdleConnections()
	info := getInfo(t, &http.Client{Transport: tr, Timeout: 5 * time.Second}, "https://"+ta.HTTPSAddr+"/info", nil)
	balancer = <-seen
	if info.Client.Address != "198.51.100.3:40002" || info.Client.Balancer != balancer || info.Client.Scheme != "https" {
		t.Errorf("/info over https: %+v; want the client from the header and the balancer %s", info.Client, balancer)
	}
	d := websocket.Dialer{NetDialContext: proxiedDialer(2, "[2001:db8::3]:40003", nil), TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	wc, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("wss behind a header: %v", err)
	}
	certWSEcho(t, wc, "wss through the balancer")
	wc.Close()
	waitLogged(t, ta, "peer=[2001:db8::3]:40003")

	// /hellos names the clients, not the balancer.
	var hellos []helloEntry
	getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos", &hellos)
	peers := map[string]bool{}
	for _, h := range hellos {
		peers[h.Peer] = true
	}
	for _, want := range []string{"203.0.113.7:40001", "198.51.100.3:40002", "[2001:db8::3]:40003"} {
		if !peers[want] {
			t.Errorf("/hellos lacks %s: %v", want, peers)
		}
	}

	// The plain HTTP listener takes the header too.
	ptr := &http.Transport{DialContext: proxiedDialer(2, "192.0.2.44:40004", nil)}
	defer ptr.CloseIdleConnections()
	if info := getInfo(t, &http.Client{Transport: ptr, Timeout: 5 * time.Second}, "http://"+ta.HTTPAddr+"/info", nil); info.Client.Address != "192.0.2.44:40004" {
		t.Errorf("/info on the HTTP listener: %+v", info.Client)
	}

	// Without a header: closed, on every listener but admin.
	if _, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ta.TLSAddr, ta.clientTLS()); err == nil {
		t.Error("a raw TLS client without a header was served")
	}
	if err := certHealthz(ta.HTTPSAddr, ta.clientTLS()); err == nil {
		t.Error("an HTTPS client without a header was served")
	}
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + ta.HTTPAddr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("an HTTP client without a header was served")
	}
	if code := readyz(ta.AdminAddr); code != http.StatusOK {
		t.Errorf("admin /readyz without a header: %d", code)
	}

	// The outcomes are counted, by listener.
	resp, err := http.Get("http://" + ta.AdminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`tlsecho_proxy_headers_total{listener="tls",outcome="client"} 1`,
		`tlsecho_proxy_headers_total{listener="tls",outcome="refused"} 1`,
		`tlsecho_proxy_headers_total{listener="https",outcome="client"} 2`,
		`tlsecho_proxy_headers_total{listener="http",outcome="client"} 1`,
	} {
		if !strings.Contains(string(metricsText), want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// tlsecho health, with the admin listener off, sends a LOCAL header.
	for _, env := range [][]string{
		{"TLSECHO_HTTPS_ADDR=" + ta.HTTPSAddr},
		{"TLSECHO_HTTP_ADDR=" + ta.HTTPAddr},
	} {
		var stdout, stderr bytes.Buffer
		env = append(env, "TLSECHO_ADMIN_ADDR=", "TLSECHO_PROXY_PROTOCOL=require", "TLSECHO_PROXY_TRUSTED=127.0.0.1")
		if code := run(context.Background(), []string{"health"}, env, nil, &stdout, &stderr); code != exitOK {
			t.Errorf("tlsecho health %v: exit %d, %s", env, code, stderr.String())
		}
	}
}

// TestPlainHTTPListener: TLSECHO_HTTP_ADDR serves the page, /healthz,
// /info and /ws over plain HTTP; X-Forwarded-For and -Proto from a trusted
// peer make /info name the client and say TLS ended upstream; from any
// other peer, and on the HTTPS port, they are ignored.
func TestPlainHTTPListener(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.0/8"})
	client := &http.Client{Timeout: 5 * time.Second}
	for path, want := range map[string]string{"/": "<html", "/healthz": "ok\n"} {
		resp, err := client.Get("http://" + ta.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %s, %.60q", path, resp.Status, body)
		}
	}

	fwd := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
	info := getInfo(t, client, "http://"+ta.HTTPAddr+"/info", fwd)
	if c := info.Client; c.Address != "203.0.113.9" || c.Scheme != "https" || !c.TLSTerminatedUpstream || !strings.HasPrefix(c.Proxy, "127.0.0.1:") || info.TLS != nil {
		t.Errorf("/info behind a TLS-ending proxy: %+v, tls %v", c, info.TLS)
	}
	if c := getInfo(t, client, "http://"+ta.HTTPAddr+"/info", nil).Client; c.Scheme != "http" || c.TLSTerminatedUpstream {
		t.Errorf("/info over plain HTTP: %+v", c)
	}
	httpsClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}}
	if c := getInfo(t, httpsClient, "https://"+ta.HTTPSAddr+"/info", fwd).Client; c.Proxy != "" || c.Address == "203.0.113.9" || c.TLSTerminatedUpstream {
		t.Errorf("the HTTPS port believed X-Forwarded headers: %+v", c)
	}

	wc, _, err := websocket.DefaultDialer.Dial("ws://"+ta.HTTPAddr+"/ws", http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	if err != nil {
		t.Fatalf("ws on the HTTP listener: %v", err)
	}
	certWSEcho(t, wc, "plain")
	wc.Close()
	waitLogged(t, ta, "peer=203.0.113.9")

	// Not trusted: the headers are the client's own word.
	other := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "192.0.2.1"})
	if c := getInfo(t, client, "http://"+other.HTTPAddr+"/info", fwd).Client; c.Address == "203.0.113.9" || c.TLSTerminatedUpstream || c.Proxy != "" {
		t.Errorf("X-Forwarded headers from an untrusted peer were believed: %+v", c)
	}
}

// TestClientProxyV2: `tlsecho client -proxy-v2` reaches a server that
// requires PROXY headers, over tls:// and wss://, and the server sees the
// client the header names; without the flag the same server refuses it.
func TestClientProxyV2(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})
	for _, tt := range []struct{ url, source string }{
		{"tls://" + ta.TLSAddr, "203.0.113.50:1111"},
		{"wss://" + ta.HTTPSAddr + "/ws", "[2001:db8::50]:2222"},
	} {
		r := runClient(t, "", "-insecure", "-proxy-v2", "-proxy-source", tt.source, tt.url, "behind a header")
		r.want(t, exitOK, []string{"PROXY header", "v2, naming client " + tt.source, "behind a header"}, nil)
		waitLogged(t, ta, "peer="+tt.source)
		// Naming itself, the client is what the server sees as its peer.
		r = runClient(t, "", "-insecure", "-proxy-v2", tt.url, "me")
		r.want(t, exitOK, []string{"naming client 127.0.0.1:"}, nil)
		runClient(t, "", "-insecure", "-timeout", "2s", tt.url, "no header").want(t, exitFailure, nil, nil)
	}
	runClient(t, "", "-proxy-source", "203.0.113.50:1", "tls://"+ta.TLSAddr).want(t, exitUsage, nil, []string{"-proxy-source needs -proxy-v2"})
	runClient(t, "", "-proxy-v2", "-proxy-source", "lb.example:1", "tls://"+ta.TLSAddr).want(t, exitUsage, nil, []string{"-proxy-source"})
}

// TestProxyBalancerLogged: behind a PROXY header, the debug lines of a
// failed handshake, of a raw TLS connection's end and of a wss
// connection's open and close name the balancer beside the client, as the
// successful handshake's line does.
func TestProxyBalancerLogged(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})
	seen := make(chan string, 2)

	c, err := proxiedDialer(2, "203.0.113.8:40008", seen)(context.Background(), "tcp", ta.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	balancer := <-seen
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	if line := waitLogged(t, ta, "peer=203.0.113.8:40008"); !strings.Contains(line, `msg="handshake failed"`) || !strings.Contains(line, "balancer="+balancer) {
		t.Errorf("failed handshake's line lacks the balancer %s: %s", balancer, line)
	}

	c2, err := proxiedDialer(2, "203.0.113.9:40009", seen)(context.Background(), "tcp", ta.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	balancer = <-seen
	tc := tls.Client(c2, ta.clientTLS())
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(tc, "x")
	if _, err := io.ReadFull(tc, make([]byte, 1)); err != nil {
		t.Fatalf("echo behind a PROXY header: %v", err)
	}
	tc.Close()
	if line := waitLogged(t, ta, "peer=203.0.113.9:40009 read="); !strings.Contains(line, `msg="connection closed"`) || !strings.Contains(line, "balancer="+balancer) {
		t.Errorf("connection's end line lacks the balancer %s: %s", balancer, line)
	}

	d := websocket.Dialer{NetDialContext: proxiedDialer(2, "203.0.113.10:40010", seen), TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("wss behind a PROXY header: %v", err)
	}
	balancer = <-seen
	for _, msg := range []string{`msg="websocket open"`, `msg="websocket closed"`} {
		if msg == `msg="websocket closed"` {
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(5*time.Second))
			ws.Close()
		}
		if line := waitLogged(t, ta, msg+" listener=https peer=203.0.113.10:40010"); !strings.Contains(line, "balancer="+balancer) {
			t.Errorf("wss line lacks the balancer %s: %s", balancer, line)
		}
	}

	// The lines of an upgrade refused (a bad fault spec, an origin not
	// allowed) and of a fault applied, each on a connection of its own.
	tests := []struct {
		client, query string
		header        http.Header
		line          string
	}{
		{"203.0.113.11:40011", "?fault=nosuchverb", nil, `msg="upgrade refused"`},
		{"203.0.113.12:40012", "", http.Header{"Origin": {"https://elsewhere.example"}}, `msg="websocket origin refused"`},
		{"203.0.113.13:40013", "?fault=close:4000", nil, `msg="fault applied"`},
	}
	for _, tt := range tests {
		d.NetDialContext = proxiedDialer(2, tt.client, seen)
		ws, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws"+tt.query, tt.header)
		balancer = <-seen
		if err == nil {
			ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			ws.ReadMessage()
			ws.Close()
		}
		if line := waitLogged(t, ta, tt.line+" listener=https peer="+tt.client); !strings.Contains(line, "balancer="+balancer) {
			t.Errorf("want a %s line with the balancer %s: %s", tt.line, balancer, line)
		}
	}
}
