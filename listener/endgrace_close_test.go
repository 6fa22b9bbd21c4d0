package listener_test

import (
	"testing"

	"github.com/tlsecho/tlsecho/listener"
)

// TestEndGraceBesideClose: a server's shutdown calls EndGrace from its
// own goroutine when its time runs out, which may be while Close runs;
// the race detector finds no shared state of the grace that Close reads
// without the lock. Close read the grace's end for its timer after
// letting the lock go, and an EndGrace just then moved it.
func TestEndGraceBesideClose(t *testing.T) {
	t.Parallel()
	for range 20 {
		l := listen(t, listener.Options{})
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			l.Close()
		}()
		for done := false; !done; {
			l.EndGrace() // nothing before Close; ends the grace once after
			select {
			case <-closed:
				done = true
			default:
			}
		}
	}
}
