package main

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// runMainThenInterrupt is the value of runMainEnv that makes the test
// binary serve as tlsecho and then, once the server has stopped and just
// before the process exits, receive SIGINT.
const runMainThenInterrupt = "then-SIGINT"

// mainThenInterrupt is main with SIGINT delivered between the end of the
// drain and the exit: where the second send of a supervisor that
// signals a process and then its group lands when the drain is quick.
// The signal goes to this very thread, so the kernel delivers it before
// tgkill returns: the process has taken it before it can exit.
func mainThenInterrupt() {
	code := run(context.Background(), os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	runtime.LockOSThread()
	if err := syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGINT); err != nil {
		os.Exit(3)
	}
	os.Exit(code)
}

// TestSignalAfterDrainExitsZero: a signal that comes after the drain of
// the first one has ended, while the process exits, does not kill it: an
// idle server drains in well under the moment between a supervisor's two
// sends, and the process must still exit 0 for a drain that was done.
func TestSignalAfterDrainExitsZero(t *testing.T) {
	t.Parallel()
	p := startProcWith(t, func(cmd *exec.Cmd) {
		cmd.Env = append(cmd.Env, runMainEnv+"="+runMainThenInterrupt)
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, ioWait); err != nil {
		t.Fatalf("SIGINT after the drain of SIGTERM: exit %v, want 0", err)
	}
	for range p.waitLog(t, "stopped", ioWait) {
	}
}
