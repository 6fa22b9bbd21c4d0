package listener

import "syscall"

// recvmsg is recvmsg(2) on fd into p, with oob for control messages.
// On 386 it goes by socketcall, which syscall.Recvmsg knows: there is no
// recvmsg system call of its own there.
func recvmsg(fd int, p, oob []byte) (n, oobn int, err error) {
	n, oobn, _, _, err = syscall.Recvmsg(fd, p, oob, 0)
	return n, oobn, err
}
