package ws

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// earlyBytes is why an upgrade was refused whose client sent n bytes
// after the request before the 101 answered it: a frame, or another
// request pipelined behind it. RFC 6455 section 4.1 has the client wait
// for the answer. gorilla finds such bytes only once it has taken the
// connection over, and closes it without a word, which a client sees as a
// server that hung up on it (and the kernel, closing a socket with unread
// input, resets it).
type earlyBytes struct{ n int }

func (e *earlyBytes) Error() string {
	return "ws: the client sent " + strconv.Itoa(e.n) + " bytes after its upgrade request, before the 101 answered it; " +
		"RFC 6455 section 4.1 has a client wait for the answer before it sends frames"
}

// refuseEarly answers the upgrade hj took over from a client that sent
// bytes before its 101 (earlyBytes) with 400 and the headers the
// listener's answers carry, as net/http would have written it, and closes
// the connection as net/http closes one: what the client still sends is
// read and discarded for listener.LingerWait, so that the answer is not
// lost to a reset.
func (s *Server) refuseEarly(hj *hijacker, r *http.Request) {
	nc := hj.early
	hj.early = nil
	reason := &earlyBytes{n: hj.earlyBytes}
	s.logger().Debug("upgrade refused", append(peerAttrs(r.RemoteAddr, listener.FromContext(r.Context())), "status", http.StatusBadRequest, "err", reason)...)
	body := reason.Error() + "\n"
	h := hj.Header().Clone()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Connection", "close")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 400 Bad Request\r\n")
	h.Write(&b)
	b.WriteString("\r\n")
	b.WriteString(body)
	nc.SetDeadline(time.Now().Add(listener.LingerWait))
	if _, err := nc.Write(b.Bytes()); err != nil {
		nc.Close()
		return
	}
	listener.LingerClose(nc)
}
