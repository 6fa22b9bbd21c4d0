//go:build unix

package certs

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadFilesNotRegular: a named pipe, a directory, a socket or a
// device at a certificate, key or CA path is refused at once with an
// error naming the path and what is there. Opening a FIFO for reading used to wait for
// a writer: the server hung at start, and a reload hung for good.
func TestLoadFilesNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, _ := writePair(t, dir, "cert", "a.test")
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	sock := filepath.Join(dir, "sock.pem")
	l := listenSocketAt(t, sock)
	defer l.Close()
	s, err := LoadFiles(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		load      func() error
		wantInErr []string
	}{
		{"FIFO as certificate", func() error { _, err := LoadFiles(fifo, keyFile); return err },
			[]string{"certs: read certificate", fifo, "not a regular file", "named pipe"}},
		{"FIFO as key", func() error { _, err := LoadFiles(certFile, fifo); return err },
			[]string{"certs: read key", fifo, "not a regular file", "named pipe"}},
		{"FIFO as client CA", func() error { return s.RequireClientCerts(fifo) }, []string{"certs: read CA file", fifo, "named pipe"}},
		{"directory as key", func() error { _, err := LoadFiles(certFile, dir); return err },
			[]string{"certs: read key", dir, "a directory"}},
		{"socket as key", func() error { _, err := LoadFiles(certFile, sock); return err },
			[]string{"certs: read key", sock, "not a regular file", "a socket"}},
		{"device as certificate", func() error { _, err := LoadFiles("/dev/null", keyFile); return err },
			[]string{"certs: read certificate", "/dev/null", "character device"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tt.load() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("still loading after 10s")
			}
			if err == nil {
				t.Fatal("loaded")
			}
			for _, want := range tt.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

// maxSocketPath is the longest path a Unix socket can be bound at on every
// Unix: sun_path holds 104 bytes on the BSDs and macOS, 108 on Linux, the
// terminating NUL included.
const maxSocketPath = 103

// listenSocketAt binds a Unix socket at path. Under a long TMPDIR (or
// checkout) the path does not fit in a socket address, and bind fails with
// EINVAL; then the socket is bound through /proc/self/fd, which names its
// directory in a few bytes. Without a /proc to do that, the test skips.
func listenSocketAt(t *testing.T, path string) net.Listener {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err == nil {
		return l
	}
	if len(path) <= maxSocketPath {
		t.Fatal(err)
	}
	d, derr := os.Open(filepath.Dir(path))
	if derr != nil {
		t.Fatal(derr)
	}
	t.Cleanup(func() { d.Close() })
	short := fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), filepath.Base(path))
	l, serr := net.Listen("unix", short)
	if serr != nil {
		t.Skipf("cannot make a socket at %s: its %d bytes are more than a socket address holds (%v), and binding it through %s failed too: %v",
			path, len(path), err, short, serr)
	}
	return l
}
