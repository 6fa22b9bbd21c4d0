package main

import (
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// dropSetup makes loopback able to drop chosen connections silently: an
// HTB root whose default class passes everything, and a second class
// whose queue holds no packet at all (pfifo limit 0), so a packet a
// filter sends there is gone, with no FIN, reset or ICMP for either end.
// netem and tc's drop action would do the same, but kernels often come
// without them; HTB, pfifo and u32 are nearly always there.
//
// The drop is on the sending host, and Linux knows it: a connection whose
// client's window is shut (it stopped reading) was seen given up by the
// kernel itself about 11 s after its packets began to be dropped
// ("connection timed out"), where a real network leaves that to the
// retries' minutes. A test here must see such a connection ended sooner,
// by the server's own rule.
var dropSetup = [][]string{
	{"ip", "link", "set", "lo", "up"},
	{"tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "10"},
	{"tc", "class", "add", "dev", "lo", "parent", "1:", "classid", "1:10", "htb", "rate", "10gbit"},
	{"tc", "class", "add", "dev", "lo", "parent", "1:", "classid", "1:20", "htb", "rate", "10gbit"},
	{"tc", "qdisc", "add", "dev", "lo", "parent", "1:20", "handle", "20:", "pfifo", "limit", "0"},
}

// newNetns gives a command a network namespace of its own.
func newNetns(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
}

// inLossyNetns runs the calling test alone in a child process with a
// network namespace of its own whose loopback can drop chosen connections
// (vanish), and reports true there. It skips where that cannot be had: no
// ip or tc, no right to make a namespace (CAP_SYS_ADMIN) or to change its
// queues (CAP_NET_ADMIN), or a kernel without HTB, pfifo or u32. The
// machine's own loopback is never touched.
func inLossyNetns(t *testing.T) bool {
	t.Helper()
	for _, tool := range []string{"ip", "tc"} {
		if _, err := lookSbin(tool); err != nil {
			t.Skipf("cannot drop packets here: no %s (iproute2) in PATH, /usr/sbin or /sbin", tool)
		}
	}
	// Tried first in a namespace of its own, thrown away after.
	var script []string
	for _, args := range append(dropSetup, drops("sport", "1")) {
		script = append(script, strings.Join(toolCommand(args).Args, " ")) // no word needs quoting
	}
	try := exec.Command("sh", "-c", strings.Join(script, " && "))
	newNetns(try)
	if out, err := try.CombinedOutput(); err != nil {
		t.Skipf("cannot drop packets here (needs a network namespace, CAP_NET_ADMIN, and HTB, pfifo and u32 in the kernel): %v\n%s", err, out)
	}
	if !testmain.AloneWith(t, newNetns) {
		return false
	}
	for _, args := range dropSetup {
		if out, err := toolCommand(args).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return true
}

// drops is the tc filter that sends IPv4 packets with the given port, as
// dir ("sport" or "dport"), to the class that holds none.
func drops(dir, port string) []string {
	return []string{"tc", "filter", "add", "dev", "lo", "parent", "1:", "protocol", "ip", "prio", "1",
		"u32", "match", "ip", dir, port, "0xffff", "flowid", "1:20"}
}

// vanish makes c's connection go silent both ways, as if its client's
// cable were pulled: nothing either end sends arrives any more, and the
// client's close sends nothing the server sees. Its peer must be on
// 127.0.0.1 in a namespace inLossyNetns made.
func vanish(t testing.TB, c net.Conn) {
	t.Helper()
	port := strconv.Itoa(c.LocalAddr().(*net.TCPAddr).Port)
	for _, args := range [][]string{drops("sport", port), drops("dport", port)} {
		if out, err := toolCommand(args).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
}

// toolCommand is exec.Command for args, with the tool args[0] found by
// lookSbin (inLossyNetns has checked that it is there).
func toolCommand(args []string) *exec.Cmd {
	path, err := lookSbin(args[0])
	if err != nil {
		path = args[0]
	}
	return exec.Command(path, args[1:]...)
}
