package fault

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/iotest"
)

// TestBudget: bytes are taken while they fit, never past the limit, also
// by many at once, and given back.
func TestBudget(t *testing.T) {
	b := NewBudget(10)
	if !b.TryAcquire(6) || !b.TryAcquire(4) {
		t.Fatal("10 bytes of 10 refused")
	}
	if b.TryAcquire(1) {
		t.Fatal("a byte past the limit taken")
	}
	b.Release(4)
	if !b.TryAcquire(3) || b.InUse() != 9 {
		t.Fatalf("after giving 4 back and taking 3: %d in use, want 9", b.InUse())
	}
	b.Release(9)

	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 64 {
		wg.Go(func() {
			if b.TryAcquire(1) {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if taken != 10 || b.InUse() != 10 {
		t.Fatalf("64 at once took %d bytes (%d in use), want the 10 of the limit", taken, b.InUse())
	}
}

// TestBuffersRead: a message is read whole into a buffer of the smallest
// power of two that holds it (exactly its size at a power of two; an
// empty message takes none), charged to the budget until it is given
// back, and a pooled buffer serves the next message.
func TestBuffersRead(t *testing.T) {
	for _, tc := range []struct{ size, capacity int }{
		{0, 0}, {1, 4 << 10}, {4 << 10, 4 << 10}, {4<<10 + 1, 8 << 10}, {1 << 20, 1 << 20}, {1<<20 - 1, 1 << 20},
	} {
		b := &buffers{budget: NewBudget(4 << 20)}
		msg := bytes.Repeat([]byte("x"), tc.size)
		// One byte a read: every step of the growth is taken.
		buf, err := b.read(iotest.OneByteReader(bytes.NewReader(msg)))
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		if !bytes.Equal(buf, msg) || cap(buf) != tc.capacity {
			t.Errorf("%d bytes: read %d into a buffer of %d, want %d", tc.size, len(buf), cap(buf), tc.capacity)
		}
		if b.budget.InUse() != int64(tc.capacity) {
			t.Errorf("%d bytes: %d of the budget in use while lent, want %d", tc.size, b.budget.InUse(), tc.capacity)
		}
		b.put(buf)
		if b.budget.InUse() != 0 {
			t.Errorf("%d bytes: %d of the budget in use once given back", tc.size, b.budget.InUse())
		}
	}
}

// TestBuffersReadOverBudget: a message that outgrows what the budget has
// left fails with ErrMemory, and holds nothing of it after; a read error
// gives the buffer back too.
func TestBuffersReadOverBudget(t *testing.T) {
	b := &buffers{budget: NewBudget(100 << 10)}
	_, err := b.read(bytes.NewReader(make([]byte, 64<<10+1)))
	if !errors.Is(err, ErrMemory) {
		t.Fatalf("a message needing 128 KiB of 100 KiB: %v, want ErrMemory", err)
	}
	if b.budget.InUse() != 0 {
		t.Errorf("%d of the budget in use after ErrMemory", b.budget.InUse())
	}
	boom := errors.New("boom")
	_, err = b.read(io.MultiReader(bytes.NewReader(make([]byte, 10<<10)), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("read failing after 10 KiB: %v, want its error", err)
	}
	if b.budget.InUse() != 0 {
		t.Errorf("%d of the budget in use after a failed read", b.budget.InUse())
	}
}
