package main

import (
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
