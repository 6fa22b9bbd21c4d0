package main

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestSecondSignalAsPID1: in a container the server is process 1 of its
// PID namespace, where the kernel drops a signal whose action is the
// default. A second signal during the drain still ends the process at
// once with the status a shell gives a process killed by it (130 for
// SIGINT), as `docker run -it` and a second Ctrl-C expect, not with the
// Go runtime's fallback status 2, which reads as a usage error.
func TestSecondSignalAsPID1(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("a new PID namespace needs root")
	}
	p := startProcWith(t, func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	}, "TLSECHO_SHUTDOWN_TIMEOUT=60s")
	err := secondSignal(t, p, syscall.SIGTERM, syscall.SIGINT)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGINT) {
		t.Errorf("exit %v after a second SIGINT as process 1; want exit status %d", err, 128+int(syscall.SIGINT))
	}
}
