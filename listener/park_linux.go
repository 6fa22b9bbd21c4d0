package listener

import (
	"os"
	"sync"
	"syscall"
)

// Parking is true where a connection can wait with no goroutine
// ([InputWait.Park]): on Linux only.
const Parking = true

// parker is a listener's set of parked connections (see park.go): an
// epoll set, open while it holds any, and the goroutine that watches it.
type parker struct {
	mu   sync.Mutex
	ep   *os.File // nil while the set holds nothing
	epfd int
	held map[uint64]*parkedConn
	ids  uint64
}

// Park waits as Wait does, but with no goroutine (see park.go). It reads
// once what the socket has already, as Wait's first read does, and
// reports false when that found input, when a read deadline is set or
// Close has begun, or when the set cannot take the socket: the caller
// then waits with Wait, which returns at once with input read ahead. When
// it reports true the caller's goroutine may end: resume runs once, on a
// goroutine of its own, when the socket turns readable (input, the
// peer's FIN, an error), a read deadline is set or Close begins, and
// waits with Wait then. Call it only where Wait may be called.
func (w *InputWait) Park(resume func()) bool {
	c := w.c
	if c.ahead != nil {
		return false
	}
	parked := false
	err := w.sock.Control(func(fd uintptr) {
		if !c.readAheadNow(int(fd)) {
			parked = c.ln.park.park(c, int32(fd), resume)
		}
	})
	return err == nil && parked
}

// park adds c's socket, fd, to the set.
func (p *parker) park(c *Conn, fd int32, resume func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ep == nil && !p.open() {
		return false
	}
	p.ids++
	e := &parkedConn{c: c, resume: resume, id: p.ids, fd: fd}
	c.parked.Store(e)
	if c.noPark.Load() != 0 {
		c.parked.Store(nil)
		p.closeIfEmpty()
		return false
	}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(e.id)),
		Pad:    int32(uint32(e.id >> 32)),
	}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
		c.parked.Store(nil)
		p.closeIfEmpty()
		return false
	}
	p.held[e.id] = e
	return true
}

// open opens the set and starts its watch.
func (p *parker) open() bool {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	// Non-blocking, so that os.NewFile puts it in the runtime's poller,
	// where the watch waits for it to have events.
	if syscall.SetNonblock(fd, true) != nil {
		syscall.Close(fd)
		return false
	}
	f := os.NewFile(uintptr(fd), "parked connections")
	sc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return false
	}
	p.ep, p.epfd = f, fd
	if p.held == nil {
		p.held = make(map[uint64]*parkedConn)
	}
	go p.watch(f, sc, fd)
	return true
}

// watch starts each parked connection whose socket turned readable, until
// the set is closed. A set it cannot watch starts them all, and closes.
func (p *parker) watch(f *os.File, sc syscall.RawConn, epfd int) {
	events := make([]syscall.EpollEvent, 64)
	for {
		n := 0
		var werr error
		err := sc.Read(func(uintptr) bool {
			for {
				k, err := syscall.EpollWait(epfd, events, 0)
				switch {
				case err == syscall.EINTR:
					continue
				case err != nil:
					werr = err
					return true
				}
				n = k
				return n > 0
			}
		})
		p.mu.Lock()
		if p.ep != f {
			// Closed, once it held nothing.
			p.mu.Unlock()
			return
		}
		if err != nil || werr != nil {
			for _, e := range p.held {
				p.resume(e)
			}
		}
		for _, ev := range events[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if e := p.held[id]; e != nil {
				p.resume(e)
			}
		}
		p.closeIfEmpty()
		p.mu.Unlock()
	}
}

// wake starts c again, if it is parked here still.
func (p *parker) wake(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := c.parked.Load(); e != nil && p.held[e.id] == e {
		p.resume(e)
		p.closeIfEmpty()
	}
}

// resume takes e out of the set and starts its goroutine. The socket is
// open still: Close wakes a parked connection before it closes it.
func (p *parker) resume(e *parkedConn) {
	delete(p.held, e.id)
	var ev syscall.EpollEvent
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(e.fd), &ev)
	e.c.parked.Store(nil)
	go e.resume()
}

// closeIfEmpty closes the set once it holds nothing, which ends its
// watch: a listener with no connection parked keeps no goroutine, no
// descriptor and no map for it.
func (p *parker) closeIfEmpty() {
	if len(p.held) == 0 && p.ep != nil {
		p.ep.Close()
		// A map keeps the room of the most it held: let it go with the
		// set.
		p.ep, p.held = nil, nil
	}
}
