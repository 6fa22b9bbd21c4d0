package fault

import (
	"io"
	"math/bits"
	"sync"
)

// Sizes of the buffers a /ws echo with faults reads its messages into.
const (
	// minBuffer is the smallest: a message of a few bytes takes no more.
	minBuffer = 4 << 10
	// bufferClasses is how many sizes are pooled, minBuffer doubled each
	// time (up to 1 GiB); a larger buffer is made for its message alone.
	bufferClasses = 19
)

// buffers lends the /ws echoes with faults their buffers, charged to a
// Budget while lent: a streamed message's piece (streamFrames), a message
// read whole for delay (read). Sizes are powers of two, each with a pool
// of its own: a message is read into the smallest, moved to the next size
// when it fills up, and so holds at most twice its length (exactly its
// length at a power of two, such as the default limit of 1 MiB), not
// the twice its length and more that bytes.Buffer leaves once it has
// grown; and an echo gives its buffer back once the message is written,
// so a connection waiting for its next message holds none. The pools
// keep the buffers for the next messages of any connection, and the
// garbage collector empties them when they stay unused.
type buffers struct {
	budget *Budget
	pools  [bufferClasses]sync.Pool // of *[]byte, class i of minBuffer<<i
}

// class is the pool of a buffer of capacity size, ok false when none
// pools that size.
func class(size int) (i int, ok bool) {
	if size < minBuffer || size&(size-1) != 0 {
		return 0, false
	}
	i = bits.TrailingZeros(uint(size / minBuffer))
	return i, i < bufferClasses
}

// get lends an empty buffer of capacity size (a power of two from
// minBuffer), or fails with ErrMemory when the budget has no room.
func (b *buffers) get(size int) ([]byte, error) {
	if !b.budget.TryAcquire(size) {
		return nil, ErrMemory
	}
	if i, ok := class(size); ok {
		if p, _ := b.pools[i].Get().(*[]byte); p != nil {
			return (*p)[:0], nil
		}
	}
	return make([]byte, 0, size), nil
}

// put takes back a buffer from get (nil is nothing).
func (b *buffers) put(buf []byte) {
	if cap(buf) == 0 {
		return
	}
	b.budget.Release(cap(buf))
	if i, ok := class(cap(buf)); ok {
		buf = buf[:0]
		b.pools[i].Put(&buf)
	}
}

// grow lends the next size up from buf's (minBuffer for the first), with
// buf's first keep bytes copied to it (keep is at most cap(buf), or any
// room of its own when buf is nil) and then one, the byte read past a
// full buf, and gives buf back. On ErrMemory buf is kept.
func (b *buffers) grow(buf []byte, keep int, one byte) ([]byte, error) {
	next, err := b.get(max(minBuffer, 2*cap(buf)))
	if err != nil {
		return buf, err
	}
	next = next[:keep]
	copy(next, buf[:cap(buf)])
	b.put(buf)
	return append(next, one), nil
}

// read reads r to its end into a lent buffer and returns it, for put once
// it is written. An empty message takes no buffer. On an error, ErrMemory
// among them, nothing is lent.
func (b *buffers) read(r io.Reader) ([]byte, error) {
	var buf []byte
	for {
		// Full (or none yet): one byte more tells whether the message
		// goes on, before a larger buffer is taken for it.
		full := len(buf) == cap(buf)
		var one [1]byte
		dst := buf[len(buf):cap(buf)]
		if full {
			dst = one[:]
		}
		n, err := r.Read(dst)
		switch {
		case n > 0 && full:
			next, gerr := b.grow(buf, len(buf), one[0])
			if gerr != nil {
				b.put(buf)
				return nil, gerr
			}
			buf = next
		case n > 0:
			buf = buf[:len(buf)+n]
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			b.put(buf)
			return nil, err
		}
	}
}
