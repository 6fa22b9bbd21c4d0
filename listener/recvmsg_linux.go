//go:build linux && !386 && !s390x

package listener

import (
	"syscall"
	"unsafe"
)

// recvmsg is recvmsg(2) on fd into p, with oob for control messages, and
// no buffer for the sender's address: a connected TCP socket has none to
// give, yet with a buffer, as syscall.Recvmsg passes one, the kernel
// writes its length back on every read (move_addr_to_user, about 0.3% of
// a 64-byte echo's CPU by perf record). p and oob must not be empty.
func recvmsg(fd int, p, oob []byte) (n, oobn int, err error) {
	var iov syscall.Iovec
	iov.Base = &p[0]
	iov.SetLen(len(p))
	msg := syscall.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(len(oob))
	r, _, e := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), 0)
	if e != 0 {
		return 0, 0, e
	}
	return int(r), int(msg.Controllen), nil
}
