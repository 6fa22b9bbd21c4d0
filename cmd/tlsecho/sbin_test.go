package main

import (
	"os"
	"os/exec"
	"path/filepath"
)

// lookSbin finds a tool as exec.LookPath does, and then in /usr/sbin and
// /sbin: Debian installs haproxy, ip and tc there, and a user's login
// PATH leaves those directories out unless the user is root. Without the
// second look the tests that need them skipped as if they were missing.
func lookSbin(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if fi, serr := os.Stat(p); serr == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", err
}
