package listener

import "time"

// A connection is busy once BusyAfter of its inputs in a row each came
// within QuickGap of the one before. The echoes of rawtls and ws keep a
// busy connection's wait where it echoed, with its goroutine, and park
// (Parking) or hand on the wait of one that is not: a park and the
// goroutine started at its wake-up cost more than the 2.5 KiB they save
// is worth to a connection whose next message is a moment away.
const (
	BusyAfter = 4
	QuickGap  = time.Second
)

// ParkGrace is how long the echoes of rawtls and ws wait in place, with
// their goroutine, after input they served before a connection that is
// not busy parks. A park and the wake-up after it cost 2-3% of a full
// handshake (two epoll_ctl calls, the parked set's epoll_wait, a
// goroutine started: perf record of tlsecho-load -handshakes), and the
// next thing after a short connection's input is its client's close: a
// client that sends, reads the echo and closes (a TLS check, openssl
// s_client, a browser's test, a load generator's handshakes) has its
// close read where the echo was, with no park. A connection quiet for
// longer parks, its goroutine kept that much longer.
const ParkGrace = 100 * time.Millisecond

// Pace tells a busy connection from one that is not; its zero value is a
// connection that is not busy. It is the serving goroutine's alone.
type Pace struct{ quick uint8 }

// Note counts an input that came gap after the one before (nanoseconds)
// and reports whether the connection is busy now.
func (p *Pace) Note(gap int64) bool {
	switch {
	case gap >= int64(QuickGap):
		p.quick = 0
	case p.quick < BusyAfter:
		p.quick++
	}
	return p.Busy()
}

// Busy reports whether the last BusyAfter inputs each came within
// QuickGap of the one before.
func (p *Pace) Busy() bool { return p.quick >= BusyAfter }

// Quiet forgets the inputs counted: the connection has been found quiet.
func (p *Pace) Quiet() { p.quick = 0 }
