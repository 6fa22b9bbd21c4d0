// Package bytediff finds where an echo first differs from what was sent:
// the client and the load command both check every byte that comes back
// and say where the first wrong one is.
package bytediff

import "bytes"

// First is the index of the first byte where a and b differ, or -1 when
// they are equal. When one is a prefix of the other, it is the shorter
// one's length: the first byte the two do not share.
func First(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
