package ws

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUpgradeWithEarlyBytes: a client that sends bytes after its upgrade
// request before the 101 has answered it (a frame, or another request
// pipelined behind it), which RFC 6455 section 4.1 forbids, gets 400
// saying so, with Sec-WebSocket-Version: 13 as every refusal and
// Connection: close, and then the connection's end: not a connection closed without a word, nor a
// reset that drops the answer.
func TestUpgradeWithEarlyBytes(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, early := range []string{
			string(frame{fin: true, op: 1, payload: []byte("hello")}.encode()),
			"GET /ws HTTP/1.1\r\nHost: " + ts.addr + "\r\n\r\n",
		} {
			conn := ts.dialConn(t)
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(ioWait))
			req := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n%s\r\n%s\r\n\r\n", ts.addr, goodKey, goodVersion)
			if _, err := io.WriteString(conn, req+early); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
			if err != nil {
				t.Fatalf("%q: no answer: %v", early[:4], err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Sec-WebSocket-Version") != "13" ||
				!strings.Contains(string(body), "before the 101") {
				t.Errorf("%q: %s, Sec-WebSocket-Version %q, %q", early[:4], resp.Status, resp.Header.Get("Sec-WebSocket-Version"), body)
			}
			if !resp.Close {
				t.Errorf("%q: the 400 does not say Connection: close", early[:4])
			}
			if n, err := br.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
				t.Errorf("%q: after the answer: %d bytes, %v; want the connection's end", early[:4], n, err)
			}
		}
	})
}
