//go:build unix

package certs

import (
	"net"
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
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
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
