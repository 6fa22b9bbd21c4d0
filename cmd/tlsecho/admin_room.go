package main

import (
	"net"
	"net/http"
	"sync"
)

// adminReserve is how close to TLSECHO_MAX_CONNS the admin port lets its
// connections come before a new one closes the one waiting longest: room
// for a few probes arriving together. A limit below four times it keeps a
// quarter of itself, and one below four none: there every connection
// counts, and the port refuses at its limit like any other.
const adminReserve = 8

// adminReserveOf is the admin port's reserve under a limit of max.
func adminReserveOf(max int) int { return min(adminReserve, max/4) }

// adminRoom is the admin server's ConnState hook: it keeps room on the
// admin port for health checks and scrapes. Connections that send
// nothing (or one request, then nothing) would otherwise fill the port's
// TLSECHO_MAX_CONNS and have every probe refused until they time out,
// the port's header or idle timeout, again and again for as long as they
// keep coming: a load balancer or an orchestrator would take the server
// for dead. So once the port is within adminReserve of its limit, each
// new connection closes the connection that has waited longest for a
// request, one that has sent none yet or sits idle between requests, as
// nginx closes its waiting and keep-alive connections when it runs out
// of them. A request in progress is never cut; a probe sends its request
// at once, so it is the flood that makes room for it.
//
// It is the admin server's, not the listener package's: it goes by
// net/http's connection states, which the shared limiter never sees (it
// counts at accept and refuses), and it is this port's policy alone. The
// other ports keep TLSECHO_MAX_CONNS as the contract has it, refusing the
// new connection and leaving the others unharmed, where closing a
// waiting one would cut a browser's keep-alive connection or a WebSocket
// about to upgrade.
type adminRoom struct {
	// full reports whether the port is within adminReserve of its limit.
	full func() bool

	mu sync.Mutex
	// waiting are the connections waiting for a request, each with the
	// order in which it began to wait.
	waiting map[net.Conn]uint64
	next    uint64
}

// newAdminRoom returns the hook of a port whose connections number
// active(), of at most max.
func newAdminRoom(active func() int, max int) *adminRoom {
	reserve := adminReserveOf(max)
	return &adminRoom{
		full:    func() bool { return reserve > 0 && active() > max-reserve },
		waiting: make(map[net.Conn]uint64),
	}
}

// ConnState is the http.Server's ConnState hook.
func (h *adminRoom) ConnState(nc net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		// Full, a connection waiting longer than this one makes room:
		// this one waits longest of all only when none else waits.
		h.wait(nc)
		if h.full() {
			if old := h.oldest(nc); old != nil {
				old.Close()
			}
		}
	case http.StateIdle:
		h.wait(nc)
	default:
		h.mu.Lock()
		delete(h.waiting, nc)
		h.mu.Unlock()
	}
}

// wait records that nc has begun to wait for a request.
func (h *adminRoom) wait(nc net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	h.waiting[nc] = h.next
}

// oldest takes the connection that has waited longest, other than nc, out
// of the waiting ones; nil when there is none. The caller closes it:
// net/http, finding it closed, ends it as it would on its timeout.
func (h *adminRoom) oldest(nc net.Conn) net.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var old net.Conn
	for c, n := range h.waiting {
		if c != nc && (old == nil || n < h.waiting[old]) {
			old = c
		}
	}
	delete(h.waiting, old)
	return old
}
