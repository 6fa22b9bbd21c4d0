package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

// cpuMask is a sched_setaffinity(2) mask for up to 1024 CPUs.
type cpuMask [1024 / 64]uint64

func maskOf(cpus []int) cpuMask {
	var m cpuMask
	for _, c := range cpus {
		m[c/64] |= 1 << (c % 64)
	}
	return m
}

func (m *cpuMask) cpus() []int {
	var cpus []int
	for c := range len(m) * 64 {
		if m[c/64]&(1<<(c%64)) != 0 {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// affinity reads the CPUs thread tid (0: the calling thread) may run on.
func affinity(tid int) (cpuMask, error) {
	var m cpuMask
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	if e != 0 {
		return m, fmt.Errorf("sched_getaffinity: %w", e)
	}
	return m, nil
}

func setAffinity(tid int, m cpuMask) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	if e != 0 {
		return fmt.Errorf("sched_setaffinity: %w", e)
	}
	return nil
}

// allowedCPUs are the CPUs this process may use (a container's cpuset
// may be fewer than the machine has).
func allowedCPUs() []int {
	m, err := affinity(0)
	if err != nil {
		return nil
	}
	return m.cpus()
}

// pinSelf moves every thread of this process to cpus. Affinity is per
// thread and a new thread inherits its creator's, so once every existing
// thread is moved (the list is read until it stops growing) the runtime's
// later threads follow.
func pinSelf(cpus []int) error {
	m := maskOf(cpus)
	done := map[int]bool{}
	for {
		entries, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		moved := false
		for _, e := range entries {
			tid, _ := strconv.Atoi(e.Name())
			if tid == 0 || done[tid] {
				continue
			}
			if err := setAffinity(tid, m); err != nil && !errors.Is(err, syscall.ESRCH) { // ESRCH: the thread ended
				return err
			}
			done[tid], moved = true, true
		}
		if !moved {
			return nil
		}
	}
}

// startPinned starts cmd on cpus only (nil: anywhere). The child inherits the affinity of
// the thread that forks it, so this thread is moved to cpus for the
// fork and back afterwards; every thread the child's runtime starts
// inherits the mask in turn.
func startPinned(cmd *exec.Cmd, cpus []int) error {
	// The server dies with this process, whatever ends it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := affinity(0)
	if err != nil {
		return err
	}
	if err := setAffinity(0, maskOf(cpus)); err != nil {
		return err
	}
	defer setAffinity(0, old)
	return cmd.Start()
}
