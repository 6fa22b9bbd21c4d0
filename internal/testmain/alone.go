package testmain

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// aloneEnv names, in a child process Alone started, the test it runs.
const aloneEnv = "TESTMAIN_ALONE"

// Alone runs the calling test by itself in a child process of the test
// binary, and reports true there: the caller goes on with its body.
// In the test binary the go command started, it marks the test parallel,
// runs the child, fails with the child's output if the child failed (or
// skips if it skipped), and reports false: the caller returns at once.
//
// It is for a test that counts the process's goroutines or descriptors:
// in a process of its own it still sees only what it started, and it no
// longer holds up the parallel tests, which the testing package resumes
// only after every sequential test has ended.
//
// The child gets the test's own -test.run (with the parent's subtest
// pattern, if any), the parent's -test.skip and -test.short, and a
// -test.timeout that ends it before the parent's deadline, so a hung
// child dies with its goroutines' stacks in the failure.
func Alone(t *testing.T) bool {
	t.Helper()
	return AloneWith(t, nil)
}

// AloneWith is Alone with a chance to change the child's command before it
// starts: to give it a network namespace of its own, say, where a test may
// drop packets without touching the machine's other traffic. A child that
// cannot start fails the test; a caller that may lack the means checks
// them first and skips.
func AloneWith(t *testing.T, prepare func(*exec.Cmd)) bool {
	t.Helper()
	if os.Getenv(aloneEnv) == t.Name() {
		return true
	}
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := "^" + regexp.QuoteMeta(t.Name()) + "$"
	if f := flag.Lookup("test.run"); f != nil {
		if _, sub, ok := strings.Cut(f.Value.String(), "/"); ok {
			run += "/" + sub
		}
	}
	args := []string{"-test.run=" + run, "-test.count=1", "-test.v=true"}
	if f := flag.Lookup("test.skip"); f != nil && f.Value.String() != "" {
		args = append(args, "-test.skip="+f.Value.String())
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		// The child's own timeout, a little earlier, prints its stacks.
		left := time.Until(deadline)
		args = append(args, "-test.timeout="+(left*9/10).String())
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	// No second of sleep at exit under -race: a race the child saw has
	// already failed its test.
	cmd.Env = append(os.Environ(), aloneEnv+"="+t.Name(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	// A process the child started and left holding its output would keep
	// CombinedOutput waiting after the child's end; this bounds that.
	cmd.WaitDelay = 10 * time.Second
	if prepare != nil {
		prepare(cmd)
	}
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("%s, run alone in a child process: %v\n%s", t.Name(), err, out)
	case strings.Contains(string(out), "--- SKIP: "+t.Name()+" "):
		t.Skipf("skipped in its child process:\n%s", out)
	case !strings.Contains(string(out), "--- PASS: "+t.Name()+" "):
		t.Fatalf("%s did not run in its child process:\n%s", t.Name(), out)
	case testing.Verbose():
		t.Logf("run alone in a child process:\n%s", out)
	}
	return false
}
