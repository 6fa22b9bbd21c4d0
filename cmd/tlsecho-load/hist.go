package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a latency histogram safe for concurrent use: a fixed array of
// counters, so a ten-minute run at 100,000 echoes a second costs no more
// memory than a short one. Buckets are powers of two of microseconds,
// each split in 16, so a percentile is within about 6% of the true value.
type hist struct {
	buckets  [64 * histSub]atomic.Uint64
	min, max atomic.Int64 // exact, in nanoseconds; min 0 means unset
}

const histSub = 16

func histBucket(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 0))
	if us < histSub {
		return int(us)
	}
	exp := bits.Len64(us) - 5 // us >> exp is in [16, 32)
	return (exp+1)*histSub + int(us>>exp) - histSub
}

// histValue is the middle of bucket i.
func histValue(i int) time.Duration {
	if i < histSub {
		return time.Duration(i)*time.Microsecond + time.Microsecond/2
	}
	exp := i/histSub - 1
	lo := uint64(histSub+i%histSub) << exp
	return time.Duration(lo)*time.Microsecond + (time.Duration(1)<<exp)*time.Microsecond/2
}

func (h *hist) add(d time.Duration) {
	h.buckets[histBucket(d)].Add(1)
	for {
		m := h.min.Load()
		if (m != 0 && m <= int64(d)) || h.min.CompareAndSwap(m, int64(max(d, 1))) {
			break
		}
	}
	for {
		m := h.max.Load()
		if m >= int64(d) || h.max.CompareAndSwap(m, int64(d)) {
			break
		}
	}
}

func (h *hist) count() uint64 {
	var n uint64
	for i := range h.buckets {
		n += h.buckets[i].Load()
	}
	return n
}

// percentile is the value below which a fraction p of the samples lie,
// clamped to the exact minimum and maximum.
func (h *hist) percentile(p float64) time.Duration {
	total := h.count()
	if total == 0 {
		return 0
	}
	rank := uint64(p * float64(total-1))
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen > rank {
			v := histValue(i)
			return max(time.Duration(h.min.Load()), min(time.Duration(h.max.Load()), v))
		}
	}
	return time.Duration(h.max.Load())
}
