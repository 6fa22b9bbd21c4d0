package listener_test

import (
	"testing"
	"unsafe"

	"github.com/tlsecho/tlsecho/listener"
)

// connSizeClass is the Go allocator's size class a Conn fits in on a
// 64-bit machine (runtime/sizeclasses.go: 224, 240, 256): every accepted
// connection holds one, so a field that took it past would cost 16 bytes
// more on each.
const connSizeClass = 240

// TestConnSizeClass keeps the Conn within its size class.
func TestConnSizeClass(t *testing.T) {
	if size := unsafe.Sizeof(listener.Conn{}); size > connSizeClass {
		t.Errorf("listener.Conn is %d bytes, past its %d-byte size class", size, connSizeClass)
	}
}
