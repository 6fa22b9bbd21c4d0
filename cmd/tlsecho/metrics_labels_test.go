package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// readmeMetricsSection is the README's Metrics paragraph, under
// Operations.
func readmeMetricsSection(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "- **Metrics**")
	section, _, _ = strings.Cut(section, "\n- **")
	// A value may be wrapped onto the next line.
	return strings.Join(strings.Fields(section), " ")
}

// TestREADMEMetricLabelValues: every value the README's Metrics paragraph
// must give an operator to write a query (listener, TLS version, byte
// direction, message type, PROXY outcome) is named there, as /metrics
// shows it after traffic of every kind; the HELP texts name them too.
func TestREADMEMetricLabelValues(t *testing.T) {
	t.Parallel()
	section := readmeMetricsSection(t)
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_PROTOCOL": "optional"})
	ta.echoOnce(t, ta.clientTLS(), "TLS 1.3")
	tls12 := ta.clientTLS()
	tls12.MaxVersion = tls.VersionTLS12
	ta.echoOnce(t, tls12, "TLS 1.2")
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: ioWait}
	wc, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	for _, mt := range []int{websocket.TextMessage, websocket.BinaryMessage} {
		if err := wc.WriteMessage(mt, []byte("both types")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := wc.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
	// A PROXY header that names a client, for an outcome beside refused.
	c, err := net.DialTimeout("tcp", ta.TLSAddr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("PROXY TCP4 192.0.2.7 192.0.2.1 5555 443\r\n"))
	c.Close()
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_ws_messages_total{type="binary"} 1`,
		`tlsecho_proxy_headers_total{listener="tls",outcome="client"} 1`,
	)
	body := scrapeMetrics(t, client, ta.AdminAddr)

	help := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, text, _ := strings.Cut(rest, " ")
			help[name] = text
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		// Every label of the line, not only the first.
		name, labels, ok := strings.Cut(line, "{")
		if !ok || !strings.HasPrefix(name, "tlsecho_") {
			continue
		}
		labels, _, _ = strings.Cut(labels, "}")
		for _, kv := range strings.Split(labels, ",") {
			label, value, _ := strings.Cut(kv, "=")
			value = strings.Trim(value, `"`)
			switch label {
			case "listener", "version", "direction", "type", "outcome":
			default:
				continue // code and verb: their values are ranges and the fault verbs
			}
			if seen[name+" "+label+" "+value] {
				continue
			}
			seen[name+" "+label+" "+value] = true
			if !strings.Contains(section, "`"+value+"`") {
				t.Errorf("%s{%s=%q}: the README's Metrics paragraph does not name %q", name, label, value, value)
			}
			// In the HELP, as an item of a list: "(in: ...", ", out: ...".
			item := regexp.MustCompile(`(^|[(,:] ?)` + regexp.QuoteMeta(value) + `([ ,):]|$)`)
			if label != "listener" && !item.MatchString(help[name]) {
				t.Errorf("%s{%s=%q}: its HELP does not name %q: %s", name, label, value, value, help[name])
			}
		}
	}
	for _, want := range []string{"version TLS 1.2", "version TLS 1.3", "direction in", "direction out", "type text", "type binary"} {
		found := false
		for k := range seen {
			if strings.HasSuffix(k, " "+want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no series with %s after the traffic", want)
		}
	}
}
