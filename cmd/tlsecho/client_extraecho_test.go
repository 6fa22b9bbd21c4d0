package main

import (
	"bufio"
	"io"
	"net"
	"testing"
)

// TestClientEchoWithMore: a tls:// server whose echo of a MESSAGE
// carries bytes past it, in the same record, fails the run with both
// named: the echo read stops at the message's length, and what else the
// record held was left unread.
func TestClientEchoWithMore(t *testing.T) {
	t.Parallel()
	addr := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		c.Write(append(buf, "ZZ"...))
		io.Copy(io.Discard, c)
	})
	r := runClient(t, "", "-insecure", "-timeout", "5s", "tls://"+addr, "hello")
	r.want(t, exitFailure, nil, []string{"echo 1 from " + addr + ` differs: sent "hello", got "helloZ"`})
}

// TestClientWSMessagePastEcho: a wss server that sends a message of its
// own after the echo of a MESSAGE, then answers the close 1000 as it
// should, fails the run with that message named: it is more than was
// sent, as it is after the end of standard input.
func TestClientWSMessagePastEcho(t *testing.T) {
	t.Parallel()
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if !echoFirstFrame(c, br) {
			return
		}
		c.Write([]byte{0x81, 0x05, 'e', 'x', 't', 'r', 'a'})
		echoFrames(c, br)
	})
	r := runClient(t, "", "-insecure", "-timeout", "5s", u, "hello")
	r.want(t, exitFailure, []string{"echo          hello"},
		[]string{"sent 1 message past the echo before it answered the client's close 1000: \"extra\""})
}
