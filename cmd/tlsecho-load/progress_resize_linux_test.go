package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair of cols columns, without a
// library: /dev/ptmx, unlocked, and the /dev/pts entry it names.
func openPTY(t *testing.T, cols uint16) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	setCols(t, master, cols)
	return master, slave
}

// setCols sets the terminal's width, as a terminal window resized does.
func setCols(t *testing.T, f *os.File, cols uint16) {
	t.Helper()
	ws := struct{ rows, cols, xpixel, ypixel uint16 }{rows: 24, cols: cols}
	if err := ioctl(f, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatalf("set the terminal's width: %v", err)
	}
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// TestLiveLineFollowsResize: the terminal is made narrower while the
// command runs, as a window is during a long soak. The live line must
// fit the new width from the next update on; it kept the width read at
// the start, and every update wrapped and left a row behind.
func TestLiveLineFollowsResize(t *testing.T) {
	t.Parallel()
	bin := commandBinary(t)
	tlsURL, wssURL, caFile, stop := servers(t)
	defer stop()
	master, slave := openPTY(t, 200)
	// The live line is rewritten every second: 4 s gives the update that
	// cues the resize, the one that may have been written before it and
	// one or two after, where the check needs one.
	cmd := exec.Command(bin, "-ca", caFile, "-c", "4", "-d", "4s", "-size", "64", tlsURL, wssURL)
	cmd.Stdout, cmd.Stderr = slave, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); slave.Close() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	// Updates begin with a carriage return and a clear to the end of the
	// line; the first one seen is the cue to resize.
	const narrow = 40
	var after []string // updates that began after the resize
	resized := false
	var all strings.Builder
	r := bufio.NewReader(master)
	for {
		master.SetReadDeadline(time.Now().Add(30 * time.Second))
		chunk, err := r.ReadString('\r')
		all.WriteString(chunk)
		if resized {
			after = append(after, chunk)
		}
		if !resized && strings.Contains(all.String(), "\r\033[K") && strings.Contains(chunk, " errors") {
			setCols(t, master, narrow)
			resized = true
		}
		if err != nil {
			break // the command ended and closed its side
		}
	}
	if err := <-exited; err != nil {
		t.Fatalf("%v\n%q", err, all.String())
	}
	// The first update after the resize may have been written before it.
	// An update begins with the time elapsed; the report, past the last
	// clear, with its first label.
	var lines []string
	for _, c := range after {
		l, ok := strings.CutPrefix(c, "\033[K")
		l = strings.TrimSuffix(l, "\r")
		if first := strings.TrimSpace(l); ok && first != "" && first[0] >= '0' && first[0] <= '9' {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		t.Fatalf("fewer than 2 updates of the live line after the resize in a 4 s run:\n%q", all.String())
	}
	for _, l := range lines[1:] {
		if n := len([]rune(l)); n >= narrow {
			t.Errorf("live line of %d columns on a terminal resized to %d: %q", n, narrow, l)
		}
	}
}
