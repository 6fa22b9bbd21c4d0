package bytediff

import "testing"

// TestFirst: the first differing byte, the end of a shared prefix, or -1.
func TestFirst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"equal", "hello", "hello", -1},
		{"both empty", "", "", -1},
		{"first byte", "hello", "jello", 0},
		{"last byte", "hello", "hellO", 4},
		{"b longer", "hell", "hello", 4},
		{"a longer", "hello", "he", 2},
		{"one empty", "", "x", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := First([]byte(tt.a), []byte(tt.b)); got != tt.want {
				t.Errorf("First(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
