package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// runMainEnv makes the test binary act as the tlsecho-load command, so the
// tests that run it on a terminal or kill it need no separate build: a
// go build -race of the command took 10 s of every run's first such test
// and linked a second race binary in a cold CI run.
const runMainEnv = "TLSECHOLOADTEST_RUN_MAIN"

// TestMain runs the command when asked to (see runMainEnv). The tests
// marked parallel spend their seconds waiting (on a terminal's live line
// or a server that never settles), so more of them run at once than the
// two a 2-core machine would allow by default.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	testmain.Parallel(8)
	os.Exit(m.Run())
}

// commandBinary returns a program that runs the test binary as the
// command: a shell script, so a command line for script(1) and a SIGKILL
// reach the command itself (the script execs it).
func commandBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(exe, "'") {
		t.Skipf("the test binary's path %q cannot be quoted for the shell", exe)
	}
	bin := filepath.Join(t.TempDir(), "tlsecho-load")
	// No second of sleep at exit under -race: a race the command saw is
	// in its output, which the test prints when it fails.
	script := "#!/bin/sh\n" + runMainEnv + "=1 GORACE=atexit_sleep_ms=0 exec '" + exe + "' \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return bin
}
