package listener

import (
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/internal/tcpstate"
)

// TestReadLeft: with TCP_INQ, a read that leaves the socket empty says
// so, and one that leaves only the peer's FIN says there is more, for
// the FIN comes only with the next read: the rule that lets a serving
// wait park after a short read without losing a client's end
// (InputWait.Run).
func TestReadLeft(t *testing.T) {
	t.Parallel()
	client, rc, _ := inqPair(t)
	read := func(want string, wantLeft bool) {
		t.Helper()
		buf := make([]byte, 64)
		deadline := time.Now().Add(5 * time.Second)
		for {
			var n int
			var left bool
			var err error
			rc.Control(func(f uintptr) { n, left, err = readLeft(int(f), buf) })
			if err == syscall.EAGAIN && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
				continue
			}
			if err != nil || string(buf[:n]) != want || left != wantLeft {
				t.Fatalf("readLeft: %q, left %v, %v; want %q, left %v", buf[:n], left, err, want, wantLeft)
			}
			return
		}
	}
	client.Write([]byte("data"))
	read("data", false)
	client.Write([]byte("last"))
	client.CloseWrite()
	// The FIN may follow the data in a segment of its own: wait until
	// the socket has it, seen as a read that finds the end once the data
	// is taken.
	waitFIN(t, rc)
	read("last", true)
	read("", true)
}

// waitFIN returns once the socket's peer has sent its FIN, looking
// without taking anything.
func waitFIN(t *testing.T, rc syscall.RawConn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var info *unix.TCPInfo
		rc.Control(func(f uintptr) { info, _ = unix.GetsockoptTCPInfo(int(f), unix.IPPROTO_TCP, unix.TCP_INFO) })
		if info != nil && info.State == 8 { // TCP_CLOSE_WAIT: the peer's FIN is in
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no FIN from the peer within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReadLeftAllocs: a read with the kernel's word allocates nothing
// (the control message's room is on the stack): the serving wait reads
// once per input on every busy connection.
func TestReadLeftAllocs(t *testing.T) {
	client, rc, fd := inqPair(t)
	const runs = 100
	if _, err := client.Write(make([]byte, runs+1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		rc.Control(func(f uintptr) {
			n, _, _ = syscall.Recvfrom(int(f), make([]byte, runs+1), syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		})
		if n == runs+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the peer's write is not all in the socket after 5s")
		}
		time.Sleep(time.Millisecond)
	}
	buf := make([]byte, 1)
	var fails int
	allocs := testing.AllocsPerRun(runs, func() {
		if n, _, err := readLeft(fd, buf); n != 1 || err != nil {
			fails++
		}
	})
	if fails != 0 || allocs != 0 {
		t.Fatalf("readLeft allocates %v times per read (%d reads failed), want none", allocs, fails)
	}
}

// inqPair connects a client to a server socket with TCP_INQ on, both
// closed when the test ends, and returns the client and the server
// socket's RawConn and descriptor.
func inqPair(t testing.TB) (*net.TCPConn, syscall.RawConn, int) {
	t.Helper()
	client, server := tcpstate.Pair(t)
	rc, err := server.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	rc.Control(func(f uintptr) { fd = int(f) })
	enableInq(fd)
	return client, rc, fd
}

// BenchmarkRecvmsg reads 64 bytes at a time from a loopback socket with
// TCP_INQ, side by side: through recvmsg, with no buffer for the sender's
// address (what readLeft uses), and through syscall.Recvmsg, which passes
// one. The client refills the socket 64 KiB at a time, a write per 1,024
// reads. Compare the two lines' ns/op.
func BenchmarkRecvmsg(b *testing.B) {
	for _, how := range []string{"syscall.Recvmsg", "recvmsg"} {
		b.Run(how, func(b *testing.B) {
			client, _, fd := inqPair(b)
			fill, buf := make([]byte, 64<<10), make([]byte, 64)
			var oob [3]uint64
			ob := unsafe.Slice((*byte)(unsafe.Pointer(&oob[0])), syscall.CmsgSpace(4))
			b.ReportAllocs()
			for b.Loop() {
				for {
					var err error
					if how == "recvmsg" {
						_, _, err = recvmsg(fd, buf, ob)
					} else {
						_, _, _, _, err = syscall.Recvmsg(fd, buf, ob, 0)
					}
					if err == nil {
						break
					}
					if err != syscall.EAGAIN {
						b.Fatal(err)
					}
					if _, err := client.Write(fill); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
