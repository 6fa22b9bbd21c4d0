package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClientCAWithoutExpiryIdles: a client CA valid until 9999, RFC 5280's
// "no well-defined expiration date" and further away than a Go duration
// reaches, leaves an idle server idle: the watch on the CAs' dates must
// not spin. The server's CPU time is read from /proc over three seconds of
// idling; a spinning watch takes a whole core.
func TestClientCAWithoutExpiryIdles(t *testing.T) {
	t.Parallel()
	caFile, _ := caExpiring(t, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
	p := startProc(t, "TLSECHO_CLIENT_CA_FILE="+caFile)

	// Idling, it uses next to none; spinning, a core less what a loaded
	// machine takes from it.
	const window, most = 3 * time.Second, 500 * time.Millisecond
	start, cpu0 := time.Now(), cpuTime(t, p.cmd.Process.Pid)
	for time.Since(start) < window {
		if used := cpuTime(t, p.cmd.Process.Pid) - cpu0; used >= most {
			t.Fatalf("the idle server used %v of CPU in %v", used, time.Since(start).Round(time.Millisecond))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cpuTime is the user and system CPU time process pid has used, from
// /proc/PID/stat (in clock ticks of 10 ms, USER_HZ on Linux).
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces; the fields
	// after it start with the state, field 3, so utime and stime (14
	// and 15) are the 12th and 13th after it.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
