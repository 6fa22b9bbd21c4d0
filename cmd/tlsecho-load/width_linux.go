package main

import (
	"os"
	"syscall"
	"unsafe"
)

// termWidth is the width in columns of the terminal f is, or 0 when it
// cannot be read.
func termWidth(f *os.File) int {
	var ws struct{ rows, cols, xpixel, ypixel uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0
	}
	return int(ws.cols)
}
