package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestClientServerCloseBadGateway: a server's close with 1014 (Bad
// Gateway, valid to send; here the close fault's) is reported as the
// close it is, with its reason; gorilla's client alone refused it as a
// bad close code, answered 1002 and reported a protocol violation. The
// server counts the 1014 it sent, whatever the answer:
// TestClientAnswersBadGateway reads the answer.
func TestClientServerCloseBadGateway(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	r := runClient(t, "", "-insecure", "-n", "3", urls(ta)["wss"]+"?fault=close:1014:upstream%20gone@1", "hi")
	r.want(t, exitFailure, nil, []string{`closed the WebSocket with 1014 (bad gateway) "upstream gone" instead of sending the echo`})
	if strings.Contains(r.stderr, "broke the WebSocket protocol") {
		t.Errorf("the client calls 1014 a protocol violation")
	}
	waitMetric(t, http.DefaultClient, ta.AdminAddr, `tlsecho_ws_closes_total{code="1014"}`, func(v float64) bool { return v == 1 })
}

// TestClientServerBadGatewayInsideMessage: a server's close with 1014
// between the frames of its echo (RFC 6455 section 5.4 lets a control
// frame come there) is reported as 1014, not gorilla's stand-in 1011, in
// both the echo of arguments and the stream of standard input's lines.
func TestClientServerBadGatewayInsideMessage(t *testing.T) {
	t.Parallel()
	u := serveWS(t, hostileCert(t), func(ws *websocket.Conn) {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		// The echo's first frame, not final, then the close.
		nc := ws.NetConn()
		nc.SetWriteDeadline(time.Now().Add(ioWait))
		nc.Write([]byte("\x01\x01h\x88\x0f\x03\xf6upstream gone"))
		ws.ReadMessage() // the client's answer
	})
	for _, tt := range []struct {
		name, stdin string
		args        []string
	}{
		{"echo", "", []string{"-insecure", "-timeout", "5s", u, "hi"}},
		{"stream", "hi\n", []string{"-insecure", "-timeout", "5s", u}},
	} {
		r := runClient(t, tt.stdin, tt.args...)
		if !strings.Contains(r.stderr, "1014 (bad gateway)") {
			t.Errorf("%s: the server's 1014 is not reported as such:\n%s", tt.name, r.stderr)
		}
	}
}

// TestClientAnswersBadGateway: the client answers a server's close with
// 1014 with 1014, the code the server sent (RFC 6455 section 5.5.1), not
// the stand-in its reader was given. gorilla's server would refuse the
// answer, so its frame is read raw.
func TestClientAnswersBadGateway(t *testing.T) {
	t.Parallel()
	answered := make(chan int, 1)
	u := serveWS(t, hostileCert(t), func(ws *websocket.Conn) {
		code := -1
		defer func() { answered <- code }()
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1014, "upstream gone"), time.Now().Add(ioWait))
		// The answer: final close, masked, then its key and payload.
		nc := ws.NetConn()
		nc.SetReadDeadline(time.Now().Add(ioWait))
		var f [2 + 4 + 125]byte
		if _, err := io.ReadFull(nc, f[:2]); err != nil || f[0] != 0x88 || f[1]&0x80 == 0 || f[1]&0x7f < 2 || f[1]&0x7f > 125 {
			return
		}
		n := int(f[1] & 0x7f)
		if _, err := io.ReadFull(nc, f[2:6+n]); err != nil {
			return
		}
		code = int(f[6]^f[2])<<8 | int(f[7]^f[3])
	})
	runClient(t, "", "-insecure", "-timeout", "5s", u, "hi")
	if code := <-answered; code != 1014 {
		t.Fatalf("the client answered the server's 1014 with %d", code)
	}
}
