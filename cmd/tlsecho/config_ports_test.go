package main

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// freePort is a port nothing listens on at the moment, so that a server
// which did try to bind it would not meet another process there. It is
// asked of the dual-stack wildcard, where the kernel hands out a port free
// on every address: one free on 127.0.0.1 only may be held on ::1, which
// TestListenersShareNoPort binds too.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestListenersShareNoPort: two listeners set to one port are a bad
// configuration, refused before anything binds: exit 2 and one line
// naming both variables, not the kernel's "address already in use",
// which would send the operator after another process. Listeners that
// can share a port number (port 0, two different addresses) still start.
func TestListenersShareNoPort(t *testing.T) {
	t.Parallel()
	p := freePort(t)
	clashes := []struct {
		name          string
		env           []string
		second, first string
		byName        bool // a name beside the address it binds
	}{
		{"tls and https on one port", []string{"TLSECHO_TLS_ADDR=:" + p, "TLSECHO_HTTPS_ADDR=:" + p}, "TLSECHO_HTTPS_ADDR", "TLSECHO_TLS_ADDR", false},
		{"wildcard and loopback", []string{"TLSECHO_TLS_ADDR=0.0.0.0:" + p, "TLSECHO_HTTPS_ADDR=127.0.0.1:" + p}, "TLSECHO_HTTPS_ADDR", "TLSECHO_TLS_ADDR", false},
		{"IPv6 wildcard and IPv4 address", []string{"TLSECHO_HTTPS_ADDR=127.0.0.1:" + p, "TLSECHO_ADMIN_ADDR=[::]:" + p}, "TLSECHO_ADMIN_ADDR", "TLSECHO_HTTPS_ADDR", false},
		{"mapped and plain IPv4", []string{"TLSECHO_TLS_ADDR=[::ffff:127.0.0.1]:" + p, "TLSECHO_HTTP_ADDR=127.0.0.1:" + p}, "TLSECHO_HTTP_ADDR", "TLSECHO_TLS_ADDR", false},
		{"one name, two spellings", []string{"TLSECHO_ADMIN_ADDR=localhost:" + p, "TLSECHO_HTTP_ADDR=LocalHost:" + p}, "TLSECHO_HTTP_ADDR", "TLSECHO_ADMIN_ADDR", false},
		// A name beside the address it binds is found at the start,
		// which looks it up, and the line says where the name listens.
		{"name, then its address", []string{"TLSECHO_TLS_ADDR=localhost:" + p, "TLSECHO_HTTPS_ADDR=127.0.0.1:" + p}, "TLSECHO_HTTPS_ADDR", "TLSECHO_TLS_ADDR", true},
		{"address, then its name", []string{"TLSECHO_TLS_ADDR=127.0.0.1:" + p, "TLSECHO_ADMIN_ADDR=localhost:" + p}, "TLSECHO_ADMIN_ADDR", "TLSECHO_TLS_ADDR", true},
		{"name and its IPv4-mapped address", []string{"TLSECHO_HTTPS_ADDR=localhost:" + p, "TLSECHO_HTTP_ADDR=[::ffff:127.0.0.1]:" + p}, "TLSECHO_HTTP_ADDR", "TLSECHO_HTTPS_ADDR", true},
	}
	base := []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0"}
	for _, tt := range clashes {
		t.Run(tt.name, func(t *testing.T) {
			want := []string{tt.first, ":" + p, "port of its own"}
			if tt.byName {
				localhostBinds127(t)
				want = append(want, "listens on 127.0.0.1")
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a server that starts stops at once
			code := run(ctx, nil, append(base, tt.env...), nil, &stdout, &stderr)
			out := stderr.String()
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "tlsecho: "+tt.second+": ") {
				t.Errorf("stderr %q, want one line naming %s first", out, tt.second)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q lacks %q", out, w)
				}
			}
		})
	}

	// The real process, as a container would run it.
	cmd := command(t, append(base, "TLSECHO_TLS_ADDR=:"+p, "TLSECHO_HTTPS_ADDR=:"+p))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage {
		t.Errorf("process: %v, want exit %d; stderr %q", err, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "TLSECHO_TLS_ADDR") || stdout.Len() != 0 {
		t.Errorf("process: stdout %q, stderr %q; want one stderr line naming both variables", stdout.String(), stderr.String())
	}

	// These bind: the server starts, its listeners all open (and, with
	// its context done, stops at once, exit 0).
	for _, tt := range []struct {
		name string
		env  []string
	}{
		{"two ports", []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0"}},
		{"two IPv4 addresses", []string{"TLSECHO_TLS_ADDR=127.0.0.1:" + p, "TLSECHO_HTTPS_ADDR=127.0.0.2:" + p}},
		{"IPv6 and IPv4 addresses", []string{"TLSECHO_TLS_ADDR=[::1]:" + p, "TLSECHO_HTTPS_ADDR=127.0.0.1:" + p}},
		// localhost binds 127.0.0.1 (or ::1) only: 127.0.0.2, also
		// loopback on Linux, keeps the port free for another listener.
		{"localhost and another address", []string{"TLSECHO_TLS_ADDR=localhost:" + p, "TLSECHO_HTTPS_ADDR=127.0.0.2:" + p}},
	} {
		t.Run("binds "+tt.name, func(t *testing.T) {
			if strings.Contains(tt.name, "IPv6") {
				needIPv6(t)
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if code := run(ctx, nil, append(base, tt.env...), nil, &stdout, &stderr); code != exitOK {
				t.Errorf("%v: exit %d, want the server to start; stderr %q", tt.env, code, stderr.String())
			}
		})
	}
	// Names are not looked up with the other checks of the settings: the
	// start does that (TestListenersShareNoPortByName).
	if _, err := loadConfig(append(base, "TLSECHO_TLS_ADDR=127.0.0.1:"+p, "TLSECHO_HTTPS_ADDR=localhost:"+p)); err != nil {
		t.Errorf("two names refused: %v", err)
	}
}
