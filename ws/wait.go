package ws

import (
	"errors"
	"runtime"
	"time"
	"unsafe"

	"github.com/tlsecho/tlsecho/listener"
)

// The wait for the client's next message.
//
// A connection spends most of its life waiting for the client's next
// message. A goroutine that waits inside gorilla's NextReader sits below
// gorilla, crypto/tls and the socket, and keeps a stack of 4 KiB or more:
// the runtime halves a stack only when less than a quarter of it, guard
// included, is in use. So once a message is echoed and nothing the client
// sent is held above the socket, the echo waits on the socket itself
// (listener.InputWait), from its own loop, where little of the stack is
// in use. Resident memory per idle wss connection goes from about 20 to
// 15.5-16.5 KiB (5,000 held). A wait costs the system call that finds the
// socket empty, as a wait inside crypto/tls does.
//
// Where it can (Linux, listener.Parking), a connection that is not busy
// (below) waits with no goroutine at all, once it has been quiet for
// listener.ParkGrace after the upgrade or its last message (grace.go):
// its socket joins the listener's parked set (listener.InputWait.Park),
// and a fresh goroutine starts when input comes, when a read deadline is
// set (the keepalive ending the connection, a close waiting for its
// answer) or when the connection is closed (Shutdown's cut at its
// deadline), and waits as below, where it meets what woke it. The goroutine's g and its 2 KiB
// stack were about 2.5 KiB of an idle connection: resident memory per
// idle wss connection went from 15.7-16.7 to 13.4 KiB (5,000 held). What
// follows of waiting where the echo ran holds for a busy connection, and
// elsewhere for a quiet one too.
//
// That keeps the stack the goroutine started with, whose size is the
// runtime's average of the stacks in use: the smallest, 2 KiB, when most
// goroutines wait. Echoing a message through gorilla and crypto/tls may
// grow it, and a grown stack is never given back while its goroutine
// waits. The runtime grows a stack by moving it, so the echo compares the
// address of one of its locals with the address it had when the goroutine
// started serving (stackAt): when they differ, the echo hands the wait to
// a fresh goroutine and the goroutine that echoed ends. Under load the
// runtime starts goroutines with room for an echo, and a connection waits
// where it echoed: a goroutine started for every message cost 1-2% of the
// CPU of 64-byte echoes (six alternating runs of both builds).
//
// A wait's fresh goroutine starts small when most goroutines wait, and
// echoing a message through gorilla and crypto/tls needs more. Growing a
// stack copies it and fixes up every frame on it, which costs most where
// the frames are many and large, so a goroutine woken from its wait grows
// its stack first, a few frames deep (makeRoom), and hands its next wait
// on: at 8 connections, where each message wakes a fresh goroutine,
// callgrind counted 19,000 instructions per 64-byte echo where growing
// deep in crypto/tls took 32,300.
//
// Where goroutines start with 2 KiB, as the runtime may choose under any
// load, that makeRoom grows every woken goroutine, which then hands its
// next wait on: a busy connection would start a goroutine and grow its
// stack for every message. callgrind counted 17,500 instructions per
// 64-byte echo that way, against 11,800 waiting in place and 10,300 for
// the plain gorilla loop, and of three runs of the same load on the same
// build, one went that way throughout. So a connection whose last
// listener.BusyAfter waits each ended within listener.QuickGap of the
// one before waits where it echoed, whatever its stack, and the
// keepalive's first look that finds it quiet for a whole period ends
// that wait (nudge), which then starts again on a fresh goroutine's
// small stack: a connection that goes idle is back on one within two
// keepalive periods. One waiting a second or more between messages
// hands each wait on, as before, after a grace in place where it parks
// (grace.go).
//
// A busy connection's wait also echoes, itself, the messages that arrive
// whole while it waits (ready.go), and waits on after each without
// leaving the wait: on Linux a busy connection then costs one read and
// one write per message, where a wait or a read that waits costs two
// reads.
//
// A pong to the keepalive's ping would take the connection back into
// NextReader, which after the pong waits inside gorilla again, on a deep
// stack. So a wait that ends after a ping went out (since the last such
// wait) reads the client's input itself first: the whole pongs and pings
// it starts with are taken (each ping answered with its payload, as
// gorilla does) and the wait starts again, on a fresh goroutine, since
// reading through crypto/tls may have grown the stack; anything else is
// handed to gorilla as if it came from the socket.
//
// Only the echo does this, from before the first message on, on a TLS
// listener's connection without faults or negotiated compression, where
// the socket can be waited on (Unix).

// errWait is the echo's way of handing its connection to a wait (see
// above); only Echo returns it, and only when canWait allowed it.
var errWait = errors.New("ws: waiting for the next message")

// canWait reports whether the client's next message can be waited for on
// the socket: every byte read so far belongs to messages the handler has
// read to their end, crypto/tls holds no input, and no echo is held back.
// A message whose last read filled the buffer it was read into before
// its record's data had all been returned may have left frames behind it
// in crypto/tls (listener.Conn.RecordRead): then the echo reads on
// through gorilla, which finds them.
// Call it only from the goroutine that reads.
func (c *Conn) canWait() bool {
	return c.onSocket && c.fault == nil && !c.deflate && c.allTaken(listener.UnreadNone)
}

// allTaken reports whether the handler has taken every byte read so far
// (the messages read to their end, nothing replayed or held back) and
// crypto/tls holds no more than most: UnreadNone, or UnreadPartial for a
// wait that serves, where crypto/tls keeps the start of a record.
func (c *Conn) allTaken(most listener.Unread) bool {
	w := c.nc
	return !w.watch.loose && w.watch.messages.Load() == w.started.Load() &&
		len(w.replay) == 0 && !w.held.Load() && w.lc.Unread() <= most
}

// Where a busy connection's wait in place stands (Conn.parked).
const (
	parkedNone    = iota // no wait the keepalive may end
	parkedWaiting        // waiting in place: the keepalive may end it
	parkedNudging        // the keepalive is setting the deadline that ends it
	parkedNudged         // ended by the keepalive: it starts again afresh
)

// park hands the wait for the client's next message to the listener's
// parked set, where it holds no goroutine (listener.InputWait.Park), or
// where it cannot, to a fresh goroutine: either way the goroutine that
// calls it ends.
func (c *Conn) park(h Handler) {
	if c.input.Park(func() { c.wait(h) }) {
		return
	}
	go c.wait(h)
}

// wait waits, on a goroutine of its own, for the socket to turn readable,
// then goes on serving with h.
func (c *Conn) wait(h Handler) {
	if !c.waitHere(false, nil) {
		c.park(h)
		return
	}
	var mark byte
	at := stackAt(&mark)
	makeRoom()
	c.woken, c.grown = true, stackAt(&mark) != at
	c.cont(h)
}

// waitHere waits for the socket to turn readable and reports true, or
// false when it took control frames, or (nudgeable) the keepalive ended
// the wait, and the wait should start again on a fresh goroutine. A
// deadline (the keepalive ending the connection, a close's wait for its
// answer) or a broken socket end the wait as input does: the handler's
// next read meets them.
//
// With step set, the wait serves the messages that arrive whole meanwhile
// (readyEcho), and ends when step stops it or input comes that step does
// not take.
func (c *Conn) waitHere(nudgeable bool, step func() bool) bool {
	if nudgeable {
		c.parked.Store(parkedWaiting)
	}
	var err error
	if step != nil {
		err = c.input.Run(step)
	} else {
		err = c.input.Wait()
	}
	c.notePace()
	if nudgeable && !c.unpark() {
		c.pace.Quiet()
		return false
	}
	return c.takePongs(err)
}

// notePace counts a wait that has just ended toward the connection's
// being busy. One clock reading per wait: from the end of the last one,
// which the echo of one message lies between, as a second reading as the
// wait started cost 90 more instructions per 64-byte echo (callgrind).
func (c *Conn) notePace() {
	now := c.ka.now()
	gap := now - c.waitedAt
	if c.stepped {
		// The wait served input, and a step ended it just now; or a
		// deadline did, which ends the connection or, the keepalive's
		// nudge, its being busy. No clock reading per step: it was 0.3%
		// of a 64-byte echo's CPU (perf).
		gap, c.stepped = 0, false
	}
	if q := c.srv.quickGap; q > 0 {
		// A test's bound, told to the pace as listener.QuickGap's.
		gap = int64(listener.QuickGap) * min(gap/int64(q), 1)
	}
	c.pace.Note(gap)
	c.waitedAt = now
}

// takePongs is the end of a wait that ended with err: when a ping went
// out since control frames were last taken here, its pong may be what
// came, and the whole pongs and pings the input starts with are taken
// (takeControl). It reports false when that was all, and the wait should
// start again on a fresh goroutine.
func (c *Conn) takePongs(err error) bool {
	if p := c.pings.Load(); err == nil && p != c.answered {
		c.answered = p
		if c.takeControl() && c.canWait() {
			return false
		}
	}
	return true
}

// nudge ends a busy connection's wait in place, if it is in one, for the
// keepalive, which found the connection quiet: the wait starts again on a
// fresh goroutine's small stack (see above). The read deadline it sets
// only wakes the wait; unpark puts the right one back.
func (c *Conn) nudge() {
	if c.parked.CompareAndSwap(parkedWaiting, parkedNudging) {
		c.nc.Conn.SetReadDeadline(time.Unix(1, 0))
		c.parked.Store(parkedNudged)
	}
}

// unpark ends a wait in place that nudge may end, and reports false when
// nudge ended it: its deadline is gone again by then.
func (c *Conn) unpark() bool {
	for {
		switch c.parked.Load() {
		case parkedWaiting:
			if c.parked.CompareAndSwap(parkedWaiting, parkedNone) {
				return true
			}
		case parkedNudging:
			runtime.Gosched() // nudge is between its deadline and its mark
		default:
			c.parked.Store(parkedNone)
			c.putBackReadDeadline()
			return false
		}
	}
}

// putBackReadDeadline clears a read deadline set only to end a wait, and
// sets again the one that ends the connection, if it was set meanwhile:
// whoever sets one sets its flag first.
func (c *Conn) putBackReadDeadline() {
	c.nc.Conn.SetReadDeadline(time.Time{})
	if c.expired.Load() != 0 {
		c.nc.Conn.SetReadDeadline(time.Now())
	} else if at := c.closing.Load(); at != 0 {
		c.nc.Conn.SetReadDeadline(time.Unix(0, at))
	}
}

// stackAt is the address of a local of the caller's frame, passed as p,
// as a number: the same local at a different address means the stack has
// moved, which the runtime does to grow it (see above). The number is
// only compared, never turned back into a pointer.
func stackAt(p *byte) uintptr { return uintptr(unsafe.Pointer(p)) }

// settle learns, without waiting, whether crypto/tls holds input from
// before the upgrade, for the listener cannot tell the records the HTTP
// server read from others: an expired deadline makes a read that would
// wait fail at once, without a system call. Finding nothing, as from a
// client that waited for the 101 as RFC 6455 section 4.1 asks, the
// listener counts records from here and the first message is waited for
// on the socket too; what it does find goes to gorilla first. A deadline set meanwhile to end the connection is put
// back: whoever sets one sets its flag first.
func (c *Conn) settle() {
	if !c.onSocket || c.fault != nil || c.deflate || c.nc.lc.Unread() != listener.UnreadMaybe {
		return
	}
	buf := make([]byte, 2*maxControlFrame)
	c.nc.Conn.SetReadDeadline(time.Unix(1, 0))
	n, _ := c.nc.Read(buf)
	c.putBackReadDeadline()
	if n > 0 {
		c.nc.replay = buf[:n]
	}
}

// takeControl reads what the client sent and takes the whole pongs and
// pings it starts with, answering each ping. It reports whether that was
// all; otherwise what is left is replayed to gorilla, in front of what
// a serving wait left there already, which the read may not have taken
// whole.
func (c *Conn) takeControl() bool {
	buf := make([]byte, 2*maxControlFrame)
	n, err := c.nc.Read(buf)
	if rest := c.nc.replay; len(rest) > 0 {
		c.nc.replay = append(buf[:n:n], rest...)
		return false
	}
	if n == 0 || err != nil {
		c.nc.replay = buf[:n]
		return false
	}
	took := controlFrames(buf[:n], func(payload []byte) {
		// A pong that cannot go out leaves gorilla's writer failed: the
		// reader's next ping, or the echo's next write, meets that
		// error and ends the connection.
		c.pong(payload)
	})
	if took < n {
		c.nc.replay = buf[took:n]
		return false
	}
	// The frames seen were all taken here.
	c.nc.watch.loose = false
	return true
}

// maxControlFrame is the largest control frame a client may send: a
// 2-byte header, the 4-byte mask and 125 bytes of payload.
const maxControlFrame = 2 + 4 + 125

// controlFrames returns how many bytes at the start of b are whole, valid
// client pongs and pings (final, no reserved bits, masked, at most 125
// bytes), calling ping with the unmasked payload of each ping. It stops at
// the first frame that is anything else, or incomplete, and leaves that
// to gorilla, which then answers a protocol error as it always does.
func controlFrames(b []byte, ping func(payload []byte)) int {
	took := 0
	for len(b)-took >= 2 {
		f := b[took:]
		op, length := f[0]&0x0F, int(f[1]&0x7F)
		if f[0]&0xF0 != 0x80 || f[1]&0x80 == 0 || length > 125 || (op != opPingFrame && op != opPongFrame) {
			break
		}
		end := 2 + 4 + length
		if len(f) < end {
			break
		}
		if op == opPingFrame {
			payload := make([]byte, length)
			for i := range payload {
				payload[i] = f[6+i] ^ f[2+i%4]
			}
			ping(payload)
		}
		took += end
	}
	return took
}

// stackRoom is what makeRoom asks of the stack beyond what is in use.
const stackRoom = 2 << 10

// makeRoom grows the stack of a goroutine that has just woken from a
// wait, if it is small, while it is shallow (see above). A goroutine
// whose stack has room already only zeroes the frame.
//
//go:noinline
func makeRoom() {
	var room [stackRoom]byte
	keep(room[:])
}

// keep takes the frame makeRoom must have, so the compiler keeps it.
//
//go:noinline
func keep([]byte) {}
