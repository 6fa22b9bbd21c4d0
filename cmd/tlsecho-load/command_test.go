package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// builtCommand is the tlsecho-load command, built once for the tests
// that run it on a terminal, with the flags of the test build: built
// without -race beside a -race test run, it compiled the standard
// library a second time, which took about 100 s of a cold CI run.
var builtCommand = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tlsecho-load-test")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "tlsecho-load")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: out}
	}
	return bin, nil
})

// builtDir holds the built command, if one was built; TestMain removes
// it.
var builtDir string

// TestMain removes the command built for the tests, if any. The tests
// marked parallel spend their seconds waiting (on a terminal's live line
// or a server that never settles), so more of them run at once than the
// two a 2-core machine would allow by default.
func TestMain(m *testing.M) {
	testmain.Parallel(8)
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// buildError is a failed go build with its output.
type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// commandBinary returns the built command, or fails the test.
func commandBinary(t *testing.T) string {
	t.Helper()
	bin, err := builtCommand()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
