package main

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerStopGrace is how long `docker stop` (and compose's stop) waits
// after SIGTERM before it kills, when not told otherwise.
const dockerStopGrace = 10 * time.Second

// dockerImageEnv is the environment the Dockerfile's final stage sets,
// as NAME=value lines.
func dockerImageEnv(t *testing.T) []string {
	t.Helper()
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := regexp.MustCompile(`(?m)^FROM `).Split(string(df), -1)
	var env []string
	for _, m := range regexp.MustCompile(`(?m)^ENV (\S+)=(\S+)$`).FindAllStringSubmatch(stages[len(stages)-1], -1) {
		env = append(env, m[1]+"="+m[2])
	}
	return env
}

// TestDockerStopFitsDrain: the image, run with its defaults and stopped
// with `docker stop`'s, drains and exits 0 before Docker kills it, also
// with clients that do not cooperate (a WebSocket client that never
// answers the close, a raw TLS client that never falls quiet), which hold
// the drain for the whole TLSECHO_SHUTDOWN_TIMEOUT.
func TestDockerStopFitsDrain(t *testing.T) {
	t.Parallel()
	env := dockerImageEnv(t)
	cfg, err := loadConfig(env)
	if err != nil {
		t.Fatalf("the image's environment %v: %v", env, err)
	}
	if cfg.ShutdownTimeout >= dockerStopGrace {
		t.Errorf("the image's TLSECHO_SHUTDOWN_TIMEOUT is %v (from %v); docker stop kills after %v", cfg.ShutdownTimeout, env, dockerStopGrace)
	}

	p := startProc(t, env...)
	holdDrain(t, p.HTTPSAddr)
	busy := newStreamer(t, p.TLSAddr)
	stop := make(chan struct{})
	defer close(stop)
	go busy.send(stop)
	busy.waitEchoed(t)

	signalled := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit %v after SIGTERM, want 0", err)
		}
	case <-time.After(dockerStopGrace):
		t.Fatalf("still draining %v after SIGTERM, when docker stop kills it (env %s)", dockerStopGrace, strings.Join(env, " "))
	}
	t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
}
