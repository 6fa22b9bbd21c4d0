package listener

import (
	"syscall"
	"unsafe"
)

// tcpInq is Linux's TCP_INQ (since 4.18): each recvmsg then carries, in a
// control message of the same type, how many bytes the socket still
// holds after it, or 1 when none but the peer's FIN is left.
const tcpInq = 36

// enableInq asks the kernel for TCP_INQ on the socket fd. It is asked
// for each socket that a wait serves: an MPTCP listening socket, which Go
// makes by default, keeps TCP_INQ to itself, where a plain one would
// hand it to the sockets it accepts. A kernel without it refuses; then
// readLeft reads until a read finds nothing.
func enableInq(fd int) { syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, tcpInq, 1) }

// readLeft reads from fd into p, which must not be empty, and reports
// whether the socket may hold more: false only when the kernel said it
// holds nothing (TCP_INQ). One recvmsg, with no allocation.
func readLeft(fd int, p []byte) (n int, left bool, err error) {
	var oob [24]byte // CMSG_SPACE(4) on 64-bit systems, more than on 32-bit
	iov := syscall.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	msg := syscall.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(syscall.CmsgSpace(4))
	r, _, e := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), 0)
	if e != 0 {
		return 0, true, e
	}
	left = true
	if int(msg.Controllen) >= syscall.CmsgLen(4) {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Level == syscall.IPPROTO_TCP && h.Type == tcpInq {
			left = *(*int32)(unsafe.Pointer(&oob[syscall.CmsgLen(0)])) != 0
		}
	}
	return int(r), left, nil
}
