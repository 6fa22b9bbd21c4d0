package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// runMainEnv makes the test binary act as the tlsecho command, so process
// tests (exit codes, signals) need no separate build.
const runMainEnv = "TLSECHOTEST_RUN_MAIN" // outside TLSECHO_, whose unknown names the server warns of

func TestMain(m *testing.M) {
	switch os.Getenv(runMainEnv) {
	case "1":
		main()
		return
	case runMainThenInterrupt:
		mainThenInterrupt()
		return
	}
	// The parallel tests here wait on servers, child processes, HAProxy
	// and Chromium far more than they compute.
	testmain.Parallel(8)
	code := m.Run()
	chromium.close()
	os.Exit(code)
}

// command returns the tlsecho command as a child process with only the
// given environment (plus what the Go runtime needs).
func command(t testing.TB, environ []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	// The race detector sleeps a second before a process exits unless told
	// not to, which would blur the exit-time checks.
	cmd.Env = append([]string{runMainEnv + "=1", "GORACE=atexit_sleep_ms=0", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, environ...)
	return cmd
}

// proc is a tlsecho server child process whose JSON log is read line by
// line, so tests learn the bound ports and see events.
type proc struct {
	cmd                           *exec.Cmd
	TLSAddr, HTTPSAddr, AdminAddr string
	HTTPAddr                      string // the plain HTTP listener, when on
	// lines gets every log line too, for a test that follows the log
	// itself; it drops lines when nobody reads.
	lines  chan map[string]any
	exited chan error

	mu      sync.Mutex
	log     []map[string]any // every line so far
	claimed []bool           // lines a waitLog has returned
	more    chan struct{}    // closed when a line comes or the log ends
	ended   bool
}

// startProc starts a server process on loopback port 0 with extra
// variables and waits for its start line.
func startProc(t testing.TB, extra ...string) *proc {
	t.Helper()
	return startProcWith(t, nil, extra...)
}

// startProcWith is startProc with a chance to change the command (run it
// under a shell with other limits, say) before it starts.
func startProcWith(t testing.TB, wrap func(*exec.Cmd), extra ...string) *proc {
	t.Helper()
	environ := append([]string{
		"TLSECHO_TLS_ADDR=127.0.0.1:0",
		"TLSECHO_HTTPS_ADDR=127.0.0.1:0",
		"TLSECHO_ADMIN_ADDR=127.0.0.1:0",
		"TLSECHO_LOG_FORMAT=json",
	}, extra...)
	cmd := command(t, environ)
	if wrap != nil {
		wrap(cmd)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan map[string]any, 1000), exited: make(chan error, 1), more: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"msg": "non-json: " + sc.Text()}
			}
			p.mu.Lock()
			p.log = append(p.log, m)
			p.claimed = append(p.claimed, false)
			close(p.more)
			p.more = make(chan struct{})
			p.mu.Unlock()
			select {
			case p.lines <- m:
			default: // a test that stopped reading must not block the child
			}
		}
		io.Copy(io.Discard, stderr)
		p.mu.Lock()
		p.ended = true
		close(p.more)
		p.mu.Unlock()
		close(p.lines)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	for m := range p.waitLog(t, "tlsecho serving", 10*time.Second) {
		p.TLSAddr, _ = m["tls"].(string)
		p.HTTPSAddr, _ = m["https"].(string)
		p.AdminAddr, _ = m["admin"].(string)
		p.HTTPAddr, _ = m["http"].(string)
	}
	return p
}

// waitLog waits for a log line whose msg contains want and yields it once.
// It finds the earliest such line no waitLog has returned yet, also one
// logged before an earlier call's line: goroutines of the server log in
// no fixed order (the watcher's line can come before or after the start
// line), so a line must not be lost for having come early.
func (p *proc) waitLog(t testing.TB, want string, within time.Duration) func(func(map[string]any) bool) {
	t.Helper()
	deadline := time.After(within)
	for {
		p.mu.Lock()
		for i, m := range p.log {
			if msg, _ := m["msg"].(string); !p.claimed[i] && strings.Contains(msg, want) {
				p.claimed[i] = true
				p.mu.Unlock()
				return func(yield func(map[string]any) bool) { yield(m) }
			}
		}
		more, ended := p.more, p.ended
		p.mu.Unlock()
		if ended {
			t.Fatalf("process ended before logging %q", want)
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no %q in the log within %v", want, within)
		}
	}
}

// wait returns the process's exit error, failing the test after within.
func (p *proc) wait(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.exited:
		return err
	case <-time.After(within):
		t.Fatalf("process still running after %v", within)
		return nil
	}
}
