package main

import (
	"bufio"
	"io"
	"net"
	"testing"
)

// closeAnswerTests are servers that echo the client's message and then
// break the closing handshake that follows: answer is what each does on
// the client's close 1000 (the close frame already read).
var closeAnswerTests = []struct {
	name   string
	answer func(c net.Conn, br *bufio.Reader)
	stdout string // the report's close line
	stderr string
}{
	{
		name:   "another code",
		answer: func(c net.Conn, _ *bufio.Reader) { c.Write([]byte{0x88, 0x05, 0x0f, 0xa1, 'b', 'y', 'e'}) },
		stdout: `close         4001 "bye", sent by the server`,
		stderr: `ended the WebSocket with close 4001 "bye", not with the 1000 that answers the client's close 1000`,
	},
	{
		name:   "no close frame",
		answer: func(net.Conn, *bufio.Reader) {},
		stdout: "close         none: the connection ended without a close frame",
		stderr: "ended the connection with a TCP FIN and no close frame instead of answering the client's close 1000",
	},
	{
		name: "protocol violation",
		answer: func(c net.Conn, br *bufio.Reader) {
			c.Write([]byte{0x88, 0x02, 0x03, 0xe7})
			io.Copy(io.Discard, br)
		},
		stdout: "close         answered with a protocol violation: a close frame with code 999, which may not be sent",
		stderr: "answered the client's close 1000 with a protocol violation: a close frame with code 999, which may not be sent",
	},
	{
		name:   "never answers",
		answer: func(_ net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) },
		stdout: "close         no answer within 2s: the server neither answered the close nor ended the connection",
		stderr: "did not answer the client's close 1000 within 2s",
	},
}

// TestClientCloseAnswer: every echo came back, but the server broke the
// closing handshake after them. The report's close line says how, and the
// run fails (exit 1): a check in CI must not pass a server that does not
// close cleanly.
func TestClientCloseAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range closeAnswerTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
				if !echoFirstFrame(c, br) {
					return
				}
				if op, _, err := clientFrame(br); err != nil || op != 0x8 {
					return
				}
				tt.answer(c, br)
			})
			r := runClient(t, "", "-insecure", "-timeout", "2s", u, "hello")
			r.want(t, exitFailure, []string{"echo          hello", tt.stdout}, []string{tt.stderr})
		})
	}
}
