package runecut

import "testing"

// TestWhole: only the start of an unfinished last character is left out.
func TestWhole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"ab\xc3", 2},        // é cut after its first byte
		{"ab\xc3\xa9", 4},    // é whole
		{"a\xe6\xbc", 1},     // 漢 cut after two bytes
		{"a\xf0\x9f\x98", 1}, // a 4-byte character cut after three
		{"a\xf0\x9f\x98\x80", 5},
		{"a\x80\x80", 3}, // continuation bytes with no start: not held
		{"\xff", 1},      // not UTF-8: the caller's to refuse
	} {
		if got := Whole([]byte(tc.in)); got != tc.want {
			t.Errorf("Whole(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
