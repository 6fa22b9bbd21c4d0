package ws

import (
	"net"
	"net/http"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// faultSpec finds the faults of a /ws request before the upgrade: its
// fault query parameter, else what the connection got at accept. A bad
// URL spec (or any while faults are off) is answered with 400 and the
// spec's one line, status:CODE with that status; ok is false then.
func (s *Server) faultSpec(w http.ResponseWriter, r *http.Request) (spec *fault.Spec, lc *listener.Conn, ok bool) {
	lc = listener.FromContext(r.Context())
	var armed *fault.Spec
	if lc != nil {
		armed = lc.Fault
	}
	spec, err := s.Faults.RequestSpec(r, armed)
	if err != nil {
		s.logger().Debug("upgrade refused", append(peerAttrs(r.RemoteAddr, lc), "status", http.StatusBadRequest, "err", err)...)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, nil, false
	}
	if s.Faults.RefuseUpgrade(w, spec, faultInfo(lc, r)) {
		return nil, nil, false
	}
	return spec, lc, true
}

// faultInfo describes the request's connection to the fault package.
// The peer is the request's client, as every other record of the
// connection names it: behind a proxy that ends TLS, the one its
// X-Forwarded-For gives (web.Forwarded), not the proxy the listener's
// Conn sees.
func faultInfo(lc *listener.Conn, r *http.Request) fault.ConnInfo {
	if lc != nil {
		ci := lc.FaultInfo()
		ci.Peer = r.RemoteAddr
		return ci
	}
	return fault.ConnInfo{Listener: "ws", Peer: r.RemoteAddr, Opened: time.Now()}
}

// startFaults starts the faults of an upgraded connection. Only a
// connection with faults gets the ping and close handlers that consult
// them: nopong leaves pings unanswered, and after fin, rst or blackhole
// not even a close is answered.
func (c *Conn) startFaults(spec *fault.Spec, lc *listener.Conn, ci fault.ConnInfo) {
	t := fault.Target{
		Close: func(code int, reason string) { c.sendClose(code, reason, time.Time{}) },
		Await: c.watchTaken,
		Idle:  c.srv.idleTimeout(),
	}
	if lc != nil {
		t.Socket, t.Pace = lc, lc.Throttle().Set
	} else {
		t.Socket = bottom(c.nc.Conn)
	}
	pong := c.ws.PingHandler()
	c.ws.SetPingHandler(func(data string) error {
		if c.fault.NoPong() || c.fault.Silent() {
			return nil
		}
		return pong(data)
	})
	answer := c.ws.CloseHandler()
	c.ws.SetCloseHandler(func(code int, text string) error {
		if c.fault.Silent() {
			return nil
		}
		// No echo may follow the answering close. A timed fin or
		// blackhole may act while Hush waits for the echo's write: then
		// nothing is answered either.
		c.fault.Hush()
		if c.fault.Silent() {
			return nil
		}
		return answer(code, text)
	})
	c.fault = c.srv.Faults.Start(spec, ci, t)
}

// bottom follows NetConn to the connection under every wrapper.
func bottom(nc net.Conn) net.Conn {
	for {
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return nc
		}
		nc = u.NetConn()
	}
}

// WriteMessage sends a whole message; the fault echo uses it when it does
// not fragment: for a message that fits in its piece, and under delay.
// With permessage-deflate it is compressed by pieces
// (deflate.go): under bw or to a client that reads slowly the write may
// last minutes, and gorilla's compressing writer would hold its 1.2 MiB
// compressor all that time.
func (c *Conn) WriteMessage(messageType int, data []byte) error {
	if c.deflate {
		c.ws.EnableWriteCompression(false)
		return c.srv.deflater.write(c, messageType, data)
	}
	return c.ws.WriteMessage(messageType, data)
}

// WriteFrame sends one frame the fault echo built (frag:N, the pieces of
// a streamed message), in a single write through gorilla's writer
// (writeThrough), as its own data frames go: it takes its turn with the
// pings, pongs and closes other goroutines write, so those fall between
// frames, never inside one, and it goes out under the write deadline
// gorilla gives a data frame, none. Written past gorilla, it went out
// under whatever deadline the last control frame had left on the socket:
// after a ping, every frame once the ping's bound had passed failed at
// once, and a pong's or a close's bound, set during a frame's write, cut
// it. Once the server's close has gone out it is refused, as a message
// is (websocket.ErrCloseSent).
func (c *Conn) WriteFrame(frame []byte) error {
	if len(frame) == 0 {
		return nil // writeThrough would send its stand-in frame itself
	}
	if c.deflate {
		// The stand-in frame must go uncompressed to be replaced;
		// the echo compresses by piece itself (deflate.go).
		c.ws.EnableWriteCompression(false)
	}
	return c.writeThrough(frame)
}
