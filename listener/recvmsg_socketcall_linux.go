//go:build linux && (386 || s390x)

package listener

import "syscall"

// recvmsg is recvmsg(2) on fd into p, with oob for control messages.
// On 386 and s390x it goes by socketcall, as syscall.Recvmsg does: their
// own recvmsg system call came only with Linux 4.3, and Go runs on older
// kernels.
func recvmsg(fd int, p, oob []byte) (n, oobn int, err error) {
	n, oobn, _, _, err = syscall.Recvmsg(fd, p, oob, 0)
	return n, oobn, err
}
