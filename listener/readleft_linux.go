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
	// CMSG_SPACE(4): 24 bytes on 64-bit systems, 16 on 32-bit ones; in
	// words, for the header read from it.
	var oob [3]uint64
	ob := unsafe.Slice((*byte)(unsafe.Pointer(&oob[0])), syscall.CmsgSpace(4))
	n, oobn, err := recvmsg(fd, p, ob)
	if err != nil {
		return 0, true, err
	}
	left = true
	if oobn >= syscall.CmsgLen(4) {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Level == syscall.IPPROTO_TCP && h.Type == tcpInq {
			left = *(*int32)(unsafe.Pointer(&ob[syscall.CmsgLen(0)])) != 0
		}
	}
	return n, left, nil
}
