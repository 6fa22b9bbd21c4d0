package testmain_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// reportEnv makes the test binary print its -test.parallel and exit, so a
// test can see what Parallel did with a given command line.
const reportEnv = "TESTMAIN_REPORT_PARALLEL"

func TestMain(m *testing.M) {
	testmain.Parallel(64)
	if os.Getenv(reportEnv) == "1" {
		fmt.Print(flag.Lookup("test.parallel").Value.String())
		return
	}
	os.Exit(m.Run())
}

func TestParallel(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"raised", nil, "64"},
		{"command line wins", []string{"-test.parallel=3"}, "3"},
		{"command line wins, two words", []string{"-test.parallel", "5"}, "5"},
	}
	report := func(t *testing.T, gomaxprocs string, args ...string) string {
		t.Helper()
		cmd := exec.Command(exe, args...)
		// No second of sleep at exit under -race: the child has no
		// goroutines whose races could still be reported.
		cmd.Env = append(os.Environ(), reportEnv+"=1", "GOMAXPROCS="+gomaxprocs, "GORACE=atexit_sleep_ms=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", cmd.Args, err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report(t, "2", tt.args...); got != tt.want {
				t.Errorf("%v: -test.parallel %s, want %s", tt.args, got, tt.want)
			}
		})
	}
	t.Run("GOMAXPROCS larger", func(t *testing.T) {
		// Left alone: the testing package's default is GOMAXPROCS.
		if got := report(t, "100"); got != "100" {
			t.Errorf("-test.parallel %s with GOMAXPROCS=100, want the default 100", got)
		}
	})
}
