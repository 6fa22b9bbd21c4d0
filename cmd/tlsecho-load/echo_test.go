package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadEchoEveryByte: an echo longer than the scratch buffer is
// compared chunk by chunk, every byte of it: a byte changed in any chunk
// (the first, one across a chunk's edge, the last) is a mismatch that
// names its offset, and an echo that ends early is short. The reader
// hands out one byte at a time, as a slow server's records might.
func TestReadEchoEveryByte(t *testing.T) {
	p := newPayload(100 << 10)
	want := p.message(rand.New(rand.NewPCG(1, 2)), 100<<10, false)
	buf := make([]byte, 32<<10)
	for _, at := range []int{0, 1, 32<<10 - 1, 32 << 10, 64<<10 + 7, len(want) - 1} {
		got := bytes.Clone(want)
		got[at] ^= 0x01
		err := readEcho(iotest.HalfReader(bytes.NewReader(got)), want, buf, nil)
		var m *mismatchError
		if !errors.As(err, &m) || !strings.Contains(err.Error(), fmt.Sprintf("byte %d of %d differs", at, len(want))) {
			t.Errorf("byte %d changed: %v; want a mismatch at byte %d", at, err, at)
		}
	}
	if err := readEcho(bytes.NewReader(want), want, buf, nil); err != nil {
		t.Errorf("the same bytes: %v", err)
	}
	short := errors.New("short")
	var gotShort int
	err := readEcho(bytes.NewReader(want[:len(want)-1]), want, buf, func(got int) error { gotShort = got; return short })
	if err != short || gotShort != len(want)-1 {
		t.Errorf("an echo a byte short: %v after %d bytes; want the short error after %d", err, gotShort, len(want)-1)
	}
}
