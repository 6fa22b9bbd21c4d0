package fault

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// Reset closes c with a TCP reset (SO_LINGER 0) instead of a FIN: the
// client's next read or write fails with "connection reset by peer".
func Reset(c net.Conn) {
	if s := Socket(c); s != nil {
		s.SetLinger(0)
	}
	c.Close()
}

// closeDrain bounds the discarding of a client's last bytes before a
// close.
const closeDrain = 250 * time.Millisecond

// cutWait is how long a fin or blackhole that a timer fires (@D) waits
// for the echo's write in progress. A write to a client that takes it is
// out by then, and the verb follows whole records and frames. One that
// lasts longer is paced by bw (a 1 MiB message at 1 KiB/s: 17 minutes),
// or goes to a client that reads nothing (until the rule for writes not
// taken: IdleTimeout); the verb acts anyway, at the time the client
// asked for, and cuts it: the client finds the record or frame it was in
// cut short, then the FIN or the silence.
const cutWait = 250 * time.Millisecond

// Finish sends a TCP FIN, nothing above TCP (no close_notify, no close
// frame), waits up to d for the client to close in turn, discarding what
// it still sends, and closes c. The wait avoids the reset that closing
// with unread bytes would send, which the client would see instead of the
// FIN. A read deadline set on the socket meanwhile by another goroutine
// (a shutdown's wake-up of every read) does not end the wait early, or
// the client's next bytes would meet a closed socket and that reset;
// closing the socket does.
func Finish(c net.Conn, d time.Duration) {
	if s := Socket(c); s != nil {
		s.CloseWrite()
		by := time.Now().Add(d)
		for read := int64(0); read < 1<<20; {
			s.SetReadDeadline(by)
			n, err := io.CopyN(io.Discard, s, 1<<20-read)
			read += n
			if !errors.Is(err, os.ErrDeadlineExceeded) || !time.Now().Before(by) {
				break
			}
		}
	}
	c.Close()
}

// Hold keeps c open without reading or writing until the client closes
// (FIN or reset) or until, then closes it without a word. A read deadline
// set on c meanwhile ends the hold early, and so does letGo, set before
// the hold or during it by whoever then sets such a deadline
// (Session.LetGo, a shutdown's). Only the TCP
// state is watched, so what the client sends stays unread and its writes
// back up once the socket buffers fill, as they would with a peer that
// has hung. At the end the unread bytes are discarded before the close,
// which is then a FIN rather than a reset.
func Hold(c net.Conn, until time.Time, letGo *atomic.Bool) {
	if s := Socket(c); s != nil {
		s.SetReadDeadline(until)
		// Looked at after the deadline is set: a LetGo before it set its
		// own deadline first, which this one has just put off.
		if letGo.Load() {
			s.SetReadDeadline(time.Now())
		}
		WaitPeerClose(s)
		drain(s, closeDrain)
	}
	c.Close()
}

// stopWrites ends c's writes for blackhole: a write in progress fails
// with its deadline passed, and so does every later one. A socket that
// can refuse writes (listener.Conn.StopWrites) does, for a deadline in
// the past alone is lifted by the next writer that sets its own: gorilla
// sets one before each frame, so a data frame written after a ping or
// pong went out whole, the rest of the echo with it. Any other socket
// gets that deadline alone.
func stopWrites(c net.Conn) {
	if s, ok := c.(interface{ StopWrites() }); ok {
		s.StopWrites()
		return
	}
	c.SetWriteDeadline(time.Now())
}
