package certs

import (
	"os"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// TestMain lets all of TestWatch's cases run at once: each mostly waits
// out the watcher's debounce.
func TestMain(m *testing.M) {
	testmain.Parallel(8)
	os.Exit(m.Run())
}
