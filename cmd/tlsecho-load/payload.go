package main

import (
	crand "crypto/rand"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// sizeRange is the range message sizes are drawn from, in bytes.
type sizeRange struct{ min, max int }

// parseSizeRange reads "N" (every message N bytes) or "N-M", each with an
// optional B, KiB or MiB suffix: "64", "4KiB", "1-1MiB".
func parseSizeRange(s string) (sizeRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, okA := parseSize(lo)
	b, okB := a, okA
	if isRange {
		b, okB = parseSize(hi)
	}
	if !okA || !okB || a < 1 || b < a {
		// The whole value is quoted: "4 KiB" is refused for its space,
		// which a quote of the number alone ("4 ") hid.
		return sizeRange{}, fmt.Errorf("size %q: want N or N-M with 1 <= N <= M, each a number of bytes up to 64MiB with an optional B, KiB or MiB suffix (no space)", s)
	}
	return sizeRange{a, b}, nil
}

// parseSize reads one size of parseSizeRange; ok is false when s is not
// one.
func parseSize(s string) (n int, ok bool) {
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > (64<<20)/mult {
		return 0, false
	}
	return n * mult, true
}

// pick draws a size, log-uniformly so that every order of magnitude gets
// as many messages: 1 B to 1 MiB gives as many messages under 1 KiB as
// over, and no one size dominates the bytes moved.
func (r sizeRange) pick(rng *rand.Rand) int {
	if r.min == r.max {
		return r.min
	}
	lo, hi := math.Log(float64(r.min)), math.Log(float64(r.max)+1)
	n := int(math.Exp(lo + rng.Float64()*(hi-lo)))
	return max(r.min, min(r.max, n))
}

func (r sizeRange) String() string {
	if r.min == r.max {
		return sizeString(r.min)
	}
	return sizeString(r.min) + "-" + sizeString(r.max)
}

// sizeString writes n in the unit it divides exactly: 64 B, 4 KiB, 1 MiB.
func sizeString(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// payload holds the bytes messages are cut from: random bytes for binary
// messages, printable ASCII (valid UTF-8) for text ones. Each message
// starts at a random offset, so two echoes of the same size differ and a
// server that sent back an old message would be caught. Shared, read
// only, by every client.
type payload struct{ binary, text []byte }

func newPayload(maxSize int) *payload {
	n := 2 * maxSize
	p := &payload{binary: make([]byte, n), text: make([]byte, n)}
	crand.Read(p.binary)
	for i, b := range p.binary {
		p.text[i] = ' ' + b%95
	}
	return p
}

// message returns size bytes of the binary or text pattern.
func (p *payload) message(rng *rand.Rand, size int, text bool) []byte {
	src := p.binary
	if text {
		src = p.text
	}
	off := rng.IntN(len(src) - size + 1)
	return src[off : off+size]
}
