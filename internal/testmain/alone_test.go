package testmain_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// aloneCaseEnv tells TestAloneCase, run by TestAlone, what to do in its
// child process; without it TestAloneCase does nothing.
const aloneCaseEnv = "TESTMAIN_ALONE_CASE"

// TestAloneCase is the test TestAlone runs through Alone.
func TestAloneCase(t *testing.T) {
	what := os.Getenv(aloneCaseEnv)
	if what == "" {
		return
	}
	if !testmain.Alone(t) {
		return
	}
	t.Logf("process %d, child of %d", os.Getpid(), os.Getppid())
	switch what {
	case "fail":
		t.Error("failed in the child")
	case "skip":
		t.Skip("skipped in the child")
	case "sub":
		t.Run("one", func(t *testing.T) { t.Log("ran subtest one") })
		t.Run("two", func(t *testing.T) { t.Log("ran subtest two") })
	}
}

// TestAlone runs TestAloneCase in a test binary of its own, which runs it
// again in a child through Alone, and checks what the first one reports.
func TestAlone(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, run string
		wantErr   bool
		want      []string
		notWant   []string
	}{
		{name: "pass", run: "^TestAloneCase$", want: []string{"--- PASS: TestAloneCase", "run alone in a child process"}},
		{name: "fail", run: "^TestAloneCase$", wantErr: true, want: []string{"--- FAIL: TestAloneCase", "failed in the child"}},
		{name: "skip", run: "^TestAloneCase$", want: []string{"--- SKIP: TestAloneCase", "skipped in the child"}},
		{name: "sub", run: "^TestAloneCase$/two", want: []string{"ran subtest two"}, notWant: []string{"ran subtest one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(exe, "-test.run="+tt.run, "-test.v")
			cmd.Env = append(os.Environ(), aloneCaseEnv+"="+tt.name, "GORACE=atexit_sleep_ms=0")
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.wantErr {
				t.Errorf("exit: %v, want an error: %v\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(out), w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
			if tt.name != "pass" {
				return
			}
			// The body ran in a child of the binary started here.
			_, rest, _ := strings.Cut(string(out), "process ")
			var pid, ppid int
			if _, err := fmt.Sscanf(rest, "%d, child of %d", &pid, &ppid); err != nil || ppid != cmd.Process.Pid || pid == ppid {
				t.Errorf("the body ran in process %d, child of %d (%v); want a child of %d:\n%s", pid, ppid, err, cmd.Process.Pid, out)
			}
		})
	}
}
