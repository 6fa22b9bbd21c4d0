//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

// Pinning to CPUs is Linux only; elsewhere the comparison runs unpinned.

func allowedCPUs() []int { return nil }

func pinSelf([]int) error { return errors.New("pinning to CPUs needs Linux") }

func startPinned(cmd *exec.Cmd, _ []int) error { return cmd.Start() }
