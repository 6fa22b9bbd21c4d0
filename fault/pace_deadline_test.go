package fault

import (
	"net"
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
