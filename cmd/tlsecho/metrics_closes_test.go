package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// closeCodeTests are WebSocket endings whose close code, in
// tlsecho_ws_closes_total, only the wire shows: frames sends its bytes
// after the upgrade (masked with a zero key where a client must mask), and
// the client then reads until the server's end and closes.
var closeCodeTests = []struct {
	name   string
	frames []byte
	want   string // the code label counted
}{
	// gorilla answers a protocol violation with close 1002 itself.
	{name: "unmasked frame", frames: []byte{0x81, 0x02, 'h', 'i'}, want: "1002"},
	{name: "reserved bit", frames: []byte{0xC1, 0x82, 0, 0, 0, 0, 'h', 'i'}, want: "1002"},
	{name: "bad close code", frames: []byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE7}, want: "1002"},
	// A TCP FIN in the middle of a frame: the connection is dropped
	// without a close frame either way.
	{name: "dropped mid-frame", frames: []byte{0x81, 0x85, 0, 0, 0, 0, 'h', 'i'}, want: "0"},
	{name: "dropped after an echo", frames: []byte{0x81, 0x82, 0, 0, 0, 0, 'h', 'i'}, want: "0"},
}

var closesSeries = regexp.MustCompile(`(?m)^tlsecho_ws_closes_total\{code="([^"]*)"\} (\S+)$`)

// TestMetricsCloseCodes: tlsecho_ws_closes_total counts each connection
// once, by the close code sent or received, and 0 for one dropped without
// a close frame: the 1002 gorilla sends itself counts as 1002, and a
// client's TCP FIN as 0, not as 1006 (gorilla's name for that case, a code
// no close frame may carry: RFC 6455 section 7.4.1).
func TestMetricsCloseCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range closeCodeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, nil)
			c, br := upgradeByHand(t, ta.HTTPSAddr)
			if _, err := c.Write(tt.frames); err != nil {
				t.Fatalf("write frames: %v", err)
			}
			if tt.want == "0" {
				c.CloseWrite()
			}
			got, _ := io.ReadAll(br)
			c.Close()
			if tt.want == "1002" && closeFrameCode(got) != 1002 {
				t.Fatalf("server sent %q, want close 1002", got)
			}

			client := &http.Client{Timeout: ioWait}
			defer client.CloseIdleConnections()
			waitMetrics(t, client, ta.AdminAddr, `tlsecho_ws_connections_active{listener="https"} 0`)
			// The close is counted just after the connection leaves the
			// active gauge, in the same hook.
			deadline := time.Now().Add(ioWait)
			for {
				got := closesSeries.FindAllStringSubmatch(scrapeMetrics(t, client, ta.AdminAddr), -1)
				if len(got) == 1 && got[0][1] == tt.want && got[0][2] == "1" {
					return
				}
				if len(got) > 1 || (len(got) == 1 && got[0][1] != tt.want) || time.Now().After(deadline) {
					t.Fatalf("tlsecho_ws_closes_total: %q, want one close counted with code=%q", got, tt.want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// upgradeByHand opens a wss connection to addr by hand, for frames no
// WebSocket library would send.
func upgradeByHand(t *testing.T, addr string) (*tls.Conn, *bufio.Reader) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answered %s", resp.Status)
	}
	return c, br
}

// closeFrameCode is the code of a server's close frame at the start of b,
// or 0.
func closeFrameCode(b []byte) int {
	if len(b) < 4 || b[0] != 0x88 {
		return 0
	}
	return int(binary.BigEndian.Uint16(b[2:4]))
}

// TestMetricsCloseCodeLabels: the close codes clients choose freely
// (3000-4999) are counted as one label per range, so a client cannot make
// a series per code; the registry's codes keep their number.
func TestMetricsCloseCodeLabels(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for _, code := range []int{3000, 3001, 3999, 4000, 4001, 4999, 1000, 1013} {
		d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: ioWait}
		wc, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		wc.SetReadDeadline(time.Now().Add(ioWait))
		wc.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(ioWait))
		// The server answers with the same code.
		_, _, err = wc.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != code {
			t.Fatalf("close %d answered with %v", code, err)
		}
		wc.Close()
	}
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_ws_closes_total{code="3000-3999"} 3`,
		`tlsecho_ws_closes_total{code="4000-4999"} 3`,
		`tlsecho_ws_closes_total{code="1000"} 1`,
		`tlsecho_ws_closes_total{code="1013"} 1`,
	)
	if got := closesSeries.FindAllStringSubmatch(scrapeMetrics(t, client, ta.AdminAddr), -1); len(got) != 4 {
		t.Errorf("tlsecho_ws_closes_total: %q, want the four series above", got)
	}
}

// closeCodeLabelTests are the edges of each label of
// tlsecho_ws_closes_total.
var closeCodeLabelTests = []struct {
	code int
	want string
}{
	{0, "0"}, {1000, "1000"}, {1005, "1005"}, {1015, "1015"}, {1016, "other"}, {2999, "other"},
	{3000, "3000-3999"}, {3999, "3000-3999"}, {4000, "4000-4999"}, {4999, "4000-4999"}, {5000, "other"}, {-1, "other"},
}

func TestCloseCodeLabel(t *testing.T) {
	for _, tt := range closeCodeLabelTests {
		if got := closeCodeLabel(tt.code); got != tt.want {
			t.Errorf("closeCodeLabel(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
