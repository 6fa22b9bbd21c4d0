package listener

import (
	"errors"
	"strings"
	"testing"
)

// TestKeepTail: the stages keep the last bytes read, however the reads
// are cut.
func TestKeepTail(t *testing.T) {
	t.Parallel()
	stream := []byte("\x14\x03\x03\x00\x01\x01\x15\x03\x03\x00\x02\x02\x30")
	for step := 1; step <= len(stream); step++ {
		var st stageState
		for off := 0; off < len(stream); off += step {
			st.keepTail(stream[off:min(off+step, len(stream))])
		}
		if got, want := string(st.tail[:st.tailN]), string(stream[len(stream)-tailLen:]); got != want {
			t.Fatalf("reads of %d: tail % x, want % x", step, got, want)
		}
	}
	var st stageState
	st.keepTail([]byte{1, 2})
	if got := st.tail[:st.tailN]; string(got) != "\x01\x02" {
		t.Fatalf("after 2 bytes: tail % x", got)
	}
}

// TestPlainAlert: only crypto/tls's bad record MAC over an unencrypted
// alert record is said in other words.
func TestPlainAlert(t *testing.T) {
	t.Parallel()
	mac := errors.New("local error: tls: bad record MAC")
	alert := []byte{21, 3, 3, 0, 2, 2, 48}
	for _, tc := range []struct {
		name  string
		err   error
		tail  []byte
		words bool
	}{
		{"unknown_ca", mac, alert, true},
		{"behind a ChangeCipherSpec", mac, append([]byte{20, 3, 3, 0, 1, 1}, alert...), true},
		{"an encrypted record", mac, []byte{23, 3, 3, 0, 2, 2, 48}, false},
		{"an alert of another length", mac, []byte{21, 3, 3, 0, 3, 2, 48}, false},
		{"an alert of 258 bytes", mac, []byte{21, 3, 3, 1, 2, 2, 48}, false},
		{"a record version not TLS's", mac, []byte{21, 2, 0, 0, 2, 2, 48}, false},
		{"too short", mac, alert[1:], false},
		{"another error", errors.New("remote error: tls: unknown certificate authority"), alert, false},
		{"no error", nil, alert, false},
	} {
		got := plainAlert(tc.err, tc.tail)
		if worded := got != tc.err; worded != tc.words {
			t.Fatalf("%s: %v, reworded %v, want %v", tc.name, got, worded, tc.words)
		}
		if tc.words && (!strings.Contains(got.Error(), "unknown certificate authority (48)") || !errors.Is(got, mac)) {
			t.Fatalf("%s: %v, want the alert named and crypto/tls's error wrapped", tc.name, got)
		}
	}
}
