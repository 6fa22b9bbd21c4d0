package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestSIGHUPWhileStarting: a SIGHUP that comes while the server is still
// starting is taken for a reload, not the signal's default action, which
// ends the process. The server is held at its start by its own log: it
// warns of 2000 unknown TLSECHO_ variables, some 200 KiB, into a pipe
// nobody reads, which holds 64 KiB: from its first warning until the test
// reads, it cannot get past them to listen.
func TestSIGHUPWhileStarting(t *testing.T) {
	t.Parallel()
	environ := []string{
		"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0",
	}
	for i := range 2000 {
		environ = append(environ, fmt.Sprintf("TLSECHO_UNUSED_SETTING_NUMBER_%d=1", i))
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := command(t, environ)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill() })

	for deadline := time.Now().Add(ioWait); ; {
		var n int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); e != 0 {
			t.Fatal(e)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server wrote no warning within %v", ioWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}

	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if !strings.Contains(sc.Text(), "not a tlsecho setting") {
				lines <- sc.Text()
			}
		}
	}()
	timeout := time.After(ioWait)
	for want := range strings.SplitSeq("tlsecho serving|nothing to reload", "|") {
		for found := false; !found; {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("the server ended before logging %q: %v", want, cmd.Wait())
				}
				found = strings.Contains(line, want)
			case <-timeout:
				t.Fatalf("no %q in the log within %v", want, ioWait)
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}
