package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 bytes"}, {1, "1 byte"}, {2, "2 bytes"}, {-1, "-1 bytes"}} {
		if got := Count(tt.n, "byte", "bytes"); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Count(uint64(1), "echo", "echoes"); got != "1 echo" {
		t.Errorf("Count(uint64(1)) = %q", got)
	}
}
