package fault

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// deadlineConn records, for each write, how long the write deadline set
// last was ahead of it (0: none set).
type deadlineConn struct {
	net.Conn
	deadline time.Time
	ahead    []time.Duration
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.deadline = t
	return nil
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	var ahead time.Duration
	if !c.deadline.IsZero() {
		ahead = time.Until(c.deadline)
	}
	c.ahead = append(c.ahead, ahead)
	return len(p), nil
}

// TestPacerDeadlinePerPiece: each piece of a paced write goes out with
// the whole budget its write deadline gave, set again after its wait, so
// the time spent pacing does not count against the deadline: a deadline
// meant for a client that stops reading would otherwise cut a paced
// record in half.
func TestPacerDeadlinePerPiece(t *testing.T) {
	t.Parallel()
	const budget = time.Minute
	var th Throttle
	th.Set(NewPacer(20 << 10)) // pieces of 1 KiB, 50 ms apart
	th.Deadline(time.Now().Add(budget))
	c := &deadlineConn{}
	if _, err := th.Write(c, make([]byte, 3<<10)); err != nil {
		t.Fatal(err)
	}
	if len(c.ahead) != 3 {
		t.Fatalf("3 KiB written in %d pieces, want 3", len(c.ahead))
	}
	for i, ahead := range c.ahead {
		// Generous: the piece's wait and a loaded machine's delays come
		// off the budget, but not most of it.
		if ahead < budget/2 {
			t.Errorf("piece %d written with its deadline %v ahead, want about %v", i, ahead, budget)
		}
	}
}

// cutConn is a deadlineConn on which a deadline in the past is set,
// through the throttle as listener.Conn sets one, just before the pacer's
// own refresh of the deadline reaches it: a blackhole cutting the write
// between the pacer's look at its budget and its refresh.
type cutConn struct {
	deadlineConn
	cut func()
}

func (c *cutConn) SetWriteDeadline(t time.Time) error {
	if cut := c.cut; cut != nil {
		c.cut = nil
		cut()
	}
	return c.deadlineConn.SetWriteDeadline(t)
}

// TestPacerCutDuringRefresh: a deadline set in the past while the pacer
// refreshes the write deadline after a piece's wait is not overridden by
// the refresh: the write ends with nothing more sent, as when the cut
// comes during the wait. The refresh, from a budget read before the cut,
// used to put the socket's deadline back in the future, and one more
// piece went out after the cut.
func TestPacerCutDuringRefresh(t *testing.T) {
	t.Parallel()
	var th Throttle
	th.Set(NewPacer(20 << 10)) // pieces of 1 KiB, 50 ms apart
	th.Deadline(time.Now().Add(time.Minute))
	c := &cutConn{}
	c.cut = func() {
		now := time.Now()
		th.Deadline(now)
		c.deadlineConn.SetWriteDeadline(now)
	}
	n, err := th.Write(c, make([]byte, 3<<10))
	if !errors.Is(err, os.ErrDeadlineExceeded) || n != 0 || len(c.ahead) != 0 {
		t.Errorf("write cut at its first refresh: %d bytes, %v, pieces written %d; want none and %v", n, err, len(c.ahead), os.ErrDeadlineExceeded)
	}
}
