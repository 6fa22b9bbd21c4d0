package main

import (
	"syscall"
	"testing"
	"time"
)

// TestBadSettingGivesSignalsBack: serve taken SIGINT and SIGTERM from its
// first line gives them back when it ends on a bad setting, before it
// serves: the process (or a test running serve) must not go on dropping
// them. A SIGINT just before the exit then ends the process by the
// signal, as it would any program's, where it used to be dropped and the
// process exited with the usage error's status.
func TestBadSettingGivesSignalsBack(t *testing.T) {
	t.Parallel()
	cmd := command(t, []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_LOG_LEVEL=loud"})
	cmd.Env = append(cmd.Env, runMainEnv+"="+runMainThenInterrupt)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	select {
	case err := <-ended:
		wantDeathBy(t, err, syscall.SIGINT, "a bad setting and SIGINT")
	case <-time.After(ioWait):
		cmd.Process.Kill()
		t.Fatalf("the process still runs %v after a bad setting", ioWait)
	}
}
