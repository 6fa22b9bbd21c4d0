package listener

import "time"

// TakeWait is how long a close the server starts (a close frame, a close
// fault's close_notify), or a WebSocket pong, may wait behind writes the
// client takes none of.
// A client that reads slowly through a small receive window acknowledges
// nothing for seconds at a time: its kernel opens the window only once a
// good part of it is free (a segment's worth, or half the buffer), and
// nothing at all shows on the server's side meanwhile, the window
// included. Reading 512 bytes a second, a client acknowledges every 2.9 s
// over a network (1460-byte segments), every 4 s through a 2 KiB
// SO_RCVBUF on loopback: 5 s keeps such readers, and still ends a client
// that reads nothing soon.
const TakeWait = 5 * time.Second

// TakeLook is how often WatchTaken looks at what the client has taken: a
// client that takes nothing is given up between TakeWait and TakeWait
// plus TakeLook after it last took a byte.
const TakeLook = TakeWait / 10

// WatchTaken calls giveUp once taken, a count that grows while the client
// takes what the server writes (fault.Acked where the kernel tells), has
// not grown for TakeWait, unless stop is called first. stop returns once
// the watch has ended, giveUp included: the caller's close that waited
// behind a write does not outlive it. giveUp closes the socket, so that
// the write the close waits for fails at once.
func WatchTaken(taken func() uint64, giveUp func()) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(TakeLook)
		defer t.Stop()
		last, lastAt := taken(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if now := taken(); now != last {
				last, lastAt = now, time.Now()
				continue
			}
			if time.Since(lastAt) >= TakeWait {
				giveUp()
				return
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}
