package ws

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// minFrameRate is the slowest a frame may arrive without being taken for
// a stalled client: a frame of n bytes has n/minFrameRate beyond the
// usual ping interval to complete. A message of the default maximum size
// (1 MiB) sent as one frame thus needs 16 KiB/s, 64 s for the frame.
const minFrameRate = 16 << 10 // bytes per second

// Why the keepalive ended a connection.
const (
	expiredIdle  = 1 // no traffic for IdleTimeout: close 1000 "idle timeout"
	expiredDead  = 2 // a ping unanswered and no frame completed: close 1008, drop
	expiredStuck = 3 // a write not taken for IdleTimeout: drop
	expiredMute  = 4 // a ping's write failed, nothing more can be sent: drop
)

// keepalive watches one connection with a timer instead of a goroutine:
// every quarter of a ping interval (or of IdleTimeout, if shorter) it
// looks at what the frame watch and the writes counted since its last
// look, pings a client that has been silent for an interval, and ends the
// connection when a rule in the package documentation says so. Each check
// runs on the timer's own short goroutine; checks never overlap, since
// each one arms the next.
type keepalive struct {
	c     *Conn
	every time.Duration // ping interval
	idle  time.Duration

	mu      sync.Mutex
	t       *time.Timer
	stopped bool

	// What the last check saw, and when it first saw it, as now gives
	// the time.
	frames, pongs uint64
	partial       uint64
	lifeAt        int64 // last frame of any kind completed
	trafficAt     int64 // last frame other than a pong, or bytes of one arriving
	pingAt        int64 // last ping sent; zero before the first
	arriving      int64 // a frame partly arrived at the last check
	arrivingAt    int64
	writes        uint64
	writesAt      int64
	// waitedFor is the ping whose verdict answerUnread last held back.
	waitedFor int64
}

// now is the keepalive's clock: nanoseconds since the server's epoch, on
// the monotonic clock. Each connection keeps five times, 8 bytes each
// this way where a time.Time takes 24. It is never zero, so a zero pingAt
// means no ping yet.
func (k *keepalive) now() int64 { return int64(time.Since(k.c.srv.epoch)) + 1 }

func (k *keepalive) start(every, idle time.Duration) {
	now := k.now()
	k.every, k.idle = every, idle
	k.lifeAt, k.trafficAt, k.writesAt = now, now, now
	k.mu.Lock()
	k.t = time.AfterFunc(k.period(), k.check)
	k.mu.Unlock()
}

// period is the time between checks: a client is pinged between one and
// one and a quarter intervals after its last frame, and closed as idle
// between one and one and a half IdleTimeouts after it, also where
// IdleTimeout is the shorter (a look every quarter ping interval would
// close a client idle for 2s after 15s with the default 30s pings).
func (k *keepalive) period() time.Duration {
	return max(min(k.every, k.idle)/4, time.Millisecond)
}

// stop ends the checks; a check in progress finishes without arming
// another.
func (k *keepalive) stop() {
	k.mu.Lock()
	k.stopped = true
	if k.t != nil {
		k.t.Stop()
	}
	k.mu.Unlock()
}

// check is one look at the connection.
func (k *keepalive) check() {
	if f := k.c.srv.beforeLook; f != nil {
		f()
	}
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	c := k.c
	now := k.now()
	w := &c.nc.watch
	frames, pongs := w.frames.Load(), w.pongs.Load()
	if frames != k.frames {
		k.frames, k.lifeAt, k.trafficAt = frames, now, now
	}
	if p := w.partial.Load(); p != k.partial {
		// Bytes of a frame still arriving: traffic, though not life (a
		// client inside a frame cannot answer a ping).
		k.partial, k.trafficAt = p, now
	}
	if pongs != k.pongs {
		k.pongs, k.lifeAt = pongs, now
	}
	if a := w.arriving.Load(); a != k.arriving || k.lifeAt == now {
		// A new frame has started arriving (or none is).
		k.arriving, k.arrivingAt = a, now
	}
	if n := c.nc.writes.Load(); n != k.writes {
		k.writes, k.writesAt = n, now
	}

	var expire int32
	switch {
	case time.Duration(now-k.trafficAt) >= k.idle && k.writes&1 == 0:
		// Not while a write is in progress: that is traffic too, and the
		// handler, writing, reads nothing, so no frame can arrive. A write
		// the client does not take is the next rule's; the idle close
		// could not get past it.
		expire = expiredIdle
	case k.writes&1 == 1 && k.stuck(now):
		expire = expiredStuck
	case k.pingAt > k.lifeAt && k.writes&1 == 0 && now >= k.deadline() && !k.answerUnread() && !w.movedSince(frames, pongs):
		// Never while a write is in progress: the handler is not reading
		// then, so it could not see the answer. Nor when the reader took
		// a frame during the look: the socket was read before the frame
		// watch, and the answer may be among what left it meanwhile.
		expire = expiredDead
	}
	if expire != 0 {
		k.stopped = true
		k.mu.Unlock()
		c.expire(expire)
		return
	}
	ping := time.Duration(now-k.lifeAt) >= k.every && k.pingAt <= k.lifeAt
	// Nothing since the last look: a busy connection that went quiet
	// waits on a small stack from now on (wait.go).
	quiet := k.lifeAt != now && k.trafficAt != now && k.writesAt != now
	k.mu.Unlock()
	if quiet {
		c.nudge()
	}

	if ping && !k.ping() {
		// No later ping could go out to judge the client by, and no
		// close frame either: it is dropped now, as one that missed its
		// pong, rather than held until IdleTimeout.
		k.mu.Lock()
		stopped := k.stopped
		k.stopped = true
		k.mu.Unlock()
		if !stopped {
			c.expire(expiredMute)
		}
		return
	}
	k.mu.Lock()
	if !k.stopped {
		k.t.Reset(k.period())
	}
	k.mu.Unlock()
}

// stuck tells whether the client has taken none of the write in
// progress for IdleTimeout: the same write all that time. Under bw a
// write is slow by the server's own doing, and lasts as long as its
// bytes at the rate; the paced bytes the client has taken none of for
// IdleTimeout say it instead (fault.Session.Stalled), looked at every
// check while the write lasts.
func (k *keepalive) stuck(now int64) bool {
	if f := k.c.fault; f.Paced() {
		return f.Stalled() >= k.idle
	}
	return time.Duration(now-k.writesAt) >= k.idle
}

// answerUnread reports whether the client may have answered but the
// server not read it yet: the socket holds input. The reader is behind
// then, not the client: a handler busy with something else (a custom
// Handler), or a machine so loaded that the reading goroutine has not run
// since the pong came. The verdict waits for the next check. A client
// gains nothing by it: bytes wait in the socket only while the server is
// not reading, and the rules of silence (IdleTimeout) and of writes not
// taken still end the connection. Nor does a client inside a frame: its
// answer can only follow the frame, so input shorter than the frame's
// rest (over TLS too, whose records only add bytes) holds none, and a
// client trickling a frame, which leaves some input at every look while
// the reader is behind, is not held by it. Input of the whole rest does
// hold it, a pong behind it or not: the frame completes once read, and a
// complete frame is life as a pong is. Over TLS that holds only while
// crypto/tls keeps none of what it read from the socket: the rest of a
// record the reader has taken the start of is out of the socket's count
// (frameWatch.hidden). The first wait for each ping is logged at debug
// level.
func (k *keepalive) answerUnread() bool {
	unread, ok := unreadInput(bottom(k.c.nc.Conn))
	if f := k.c.srv.afterSocketLook; f != nil {
		f()
	}
	if !ok || unread == 0 {
		return false
	}
	// Looked at after the socket: the rest may be a later frame's if the
	// reader moved on meanwhile, which check sees in the frame counts and
	// takes for an answer. An unknown rest (0: crypto/tls may hold some
	// of it) holds the verdict as any input does.
	if w := &k.c.nc.watch; w.arriving.Load() > 0 {
		if rest := w.rest.Load(); rest > 0 && uint64(unread) < rest {
			return false
		}
	}
	if k.waitedFor != k.pingAt {
		k.waitedFor = k.pingAt
		k.c.debug("ping's answer may be unread", "reason", "the socket holds input the server has not read")
	}
	return true
}

// deadline is when a pinged client that has not answered is given up: an
// interval after the ping or after the handler last wrote (while it
// writes it does not read, and the answer may be waiting behind the
// frames it has not read yet), later while a frame is arriving (the
// client cannot answer before that frame is complete), by the frame's
// length at minFrameRate.
func (k *keepalive) deadline() int64 {
	d := k.pingAt + int64(k.every)
	d = max(d, k.writesAt+int64(k.every))
	if k.arriving > 0 {
		frame := time.Duration(k.arriving) * time.Second / minFrameRate
		d = max(d, k.arrivingAt+int64(k.every+frame))
	}
	return d
}

// ping sends a ping, unless the handler is in the middle of a write: the
// ping would wait for the writer, and a ping write cut by its deadline
// would break the connection, as any write cut halfway does. A ping not
// sent is tried again at the next check, and the client is judged only on
// pings that went out. It reports false when the connection can send
// nothing more: the ping's write failed (the client took none of it
// within writeWait, or within the ping interval when that is shorter, or
// the socket broke), or an earlier one did. The interval bounds it so
// that a client whose window stays full is dropped within two intervals
// of its last frame, as one that reads but does not answer is: a ping
// needs a few bytes of room, which any client still reading makes.
func (k *keepalive) ping() bool {
	c := k.c
	if c.fault.Silent() {
		// fin, rst or blackhole: the server says nothing more.
		return true
	}
	if c.nc.writes.Load()&1 == 1 {
		c.debug("ping not sent", "reason", "a write is in progress")
		return true
	}
	// Counted before it goes out: the pong can reach the reader before
	// WriteControl returns here, and the reader must know to look for it
	// (wait.go).
	c.pings.Add(1)
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(min(writeWait, k.every))); err != nil {
		c.debug("ping not sent", "err", err)
		// A ping that waited for the writer in vain sent nothing, and
		// the next may go out.
		return !c.nc.failed.Load()
	}
	k.mu.Lock()
	k.pingAt = k.now()
	// The ping's own write is no sign of the handler writing.
	k.writes = c.nc.writes.Load()
	k.mu.Unlock()
	return true
}
