package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// copyInPlace writes src's contents into dst as cp does: the file dst
// names is truncated and written, not replaced.
func copyInPlace(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestReloadWrittenInPlaceElsewhere: a pair written in place through
// another path than the one the server was given is picked up without
// SIGHUP, with the rest of the watcher's guarantees (open connections
// keep going). Through a symlink into another directory, and, where
// the test may mount (as root on Linux), through a file bind-mounted on
// its own, as `docker run -v $PWD/cert.pem:/certs/cert.pem` does: the
// host's `cp new.pem cert.pem` reaches no directory the server watches.
func TestReloadWrittenInPlaceElsewhere(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	tests := []struct {
		name string
		// link makes the server's path served reach the host's file
		// host, or skips the test.
		link func(t *testing.T, host, served string)
	}{
		{"symlink into another directory", func(t *testing.T, host, served string) {
			if err := os.Symlink(host, served); err != nil {
				t.Fatal(err)
			}
		}},
		{"file bind-mounted on its own", func(t *testing.T, host, served string) {
			if runtime.GOOS != "linux" || os.Geteuid() != 0 {
				t.Skip("bind mounts need root on Linux")
			}
			if err := os.WriteFile(served, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mount(host, served, "", syscall.MS_BIND, ""); err != nil {
				t.Skipf("cannot bind-mount here: %v", err)
			}
			t.Cleanup(func() { syscall.Unmount(served, 0) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old, renewed := newReloadPair(t, "old.test"), newReloadPair(t, "renewed.test")
			hostDir, servedDir := t.TempDir(), t.TempDir()
			for _, name := range []string{"cert.pem", "key.pem"} {
				installByRename(t, filepath.Join(filepath.Dir(old.certFile), name), filepath.Join(hostDir, name))
				tt.link(t, filepath.Join(hostDir, name), filepath.Join(servedDir, name))
			}
			ta := startApp(t, map[string]string{"CERT_FILE": filepath.Join(servedDir, "cert.pem"), "KEY_FILE": filepath.Join(servedDir, "key.pem")})
			waitLogged(t, ta, "watching certificate files")
			conns := openBoth(t, ta.TLSAddr, ta.HTTPSAddr, old.trusts())

			copyInPlace(t, renewed.keyFile, filepath.Join(hostDir, "key.pem"))
			copyInPlace(t, renewed.certFile, filepath.Join(hostDir, "cert.pem"))
			line := waitLogged(t, ta, "certificate reloaded")
			if want := `trigger="file change"`; !strings.Contains(line, want) {
				t.Errorf("reload line lacks %s:\n%s", want, line)
			}
			waitServed(t, renewed.leaf, ta.TLSAddr, ta.HTTPSAddr)
			conns.echo(t, "after the change")
		})
	}
}
