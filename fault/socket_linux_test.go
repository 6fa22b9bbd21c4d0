package fault

import "testing"

// TestSocketProgressOldKernel: a kernel without tcpi_bytes_acked (before
// Linux 4.1) leaves it 0; that is no count of what the client took, and
// the transports must count the writes instead, or a client that reads
// slowly would be cut as one that reads nothing.
func TestSocketProgressOldKernel(t *testing.T) {
	t.Parallel()
	if _, _, ok := socketProgress(0, 4096); ok {
		t.Error("tcpi_bytes_acked of 0 taken for a count")
	}
	if acked, queued, ok := socketProgress(1200, 4096); !ok || acked != 1200 || !queued {
		t.Errorf("socketProgress(1200, 4096) = %d, %v, %v; want 1200, true, true", acked, queued, ok)
	}
	if _, queued, ok := socketProgress(1200, 0); !ok || queued {
		t.Errorf("an empty send queue: queued %v, ok %v; want false, true", queued, ok)
	}
}
