package certs

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// waitFor polls cond until it holds, failing the test after within.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// watched runs Watch on s until the test ends and returns its log once
// the watch is in place.
func watched(t *testing.T, s *Source) *testlog.Buffer {
	t.Helper()
	return watchedAlsoLogTo(t, s, io.Discard)
}

// watchedAlsoLogTo is watched with the log written to w as well.
func watchedAlsoLogTo(t *testing.T, s *Source, w io.Writer) *testlog.Buffer {
	t.Helper()
	logBuf := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logBuf, w), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Watch(ctx, log) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Watch did not return within 10s of its context ending")
		}
	})
	waitFor(t, 10*time.Second, "watch set up", func() bool {
		return strings.Contains(logBuf.String(), "watching certificate files")
	})
	return logBuf
}

// TestWatchChangeBeforeItBegins: a pair renamed into place after the
// files were read and before the watch began, which gives no event, is
// loaded by the time the watch says it has begun. A server started just before its
// certificate was renewed served the old one until the next change.
func TestWatchChangeBeforeItBegins(t *testing.T) {
	t.Parallel()
	s, certFile, keyFile := loadedPair(t, t.TempDir(), "old.test")
	g := newPair(t, "renewed.test")
	replaceByRename(t, keyFile, g.KeyPEM)
	replaceByRename(t, certFile, g.CertPEM)
	logBuf := watched(t, s)
	if got := s.Leaf().Subject.CommonName; got != "renewed.test" {
		t.Errorf("serving %q once the watch has begun, want the renewed.test renamed into place before it:\n%s", got, logBuf)
	}
}

// reloadOutcome is in every line the watcher logs for a reload it made:
// loaded, unchanged or failed.
const reloadOutcome = `trigger="file change"`

// settle returns once the watcher has dealt with every change made to
// file so far. It writes file again as it is and waits for the reload
// that follows: the watcher takes events in order, so by then any reload
// an earlier change called for has been made and logged.
func settle(t *testing.T, logBuf *testlog.Buffer, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	before := strings.Count(logBuf.String(), reloadOutcome)
	replaceByRename(t, file, data)
	waitFor(t, 10*time.Second, "the reload after the file was written again", func() bool {
		return strings.Count(logBuf.String(), reloadOutcome) > before
	})
}

// replaceByRename writes data to a temporary name in the same directory
// and renames it over path, as certbot and careful tools do.
func replaceByRename(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func newPair(t testing.TB, host string) *Generated {
	t.Helper()
	g, err := Generate(GenerateOptions{Hosts: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestWatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// replace changes the files behind certFile and keyFile and returns
		// the common name that must be served afterwards.
		replace func(t *testing.T, certFile, keyFile string) string
		// wantLog must appear in the log after the change, wantNotLog never.
		wantLog, wantNotLog string
		// debounce, when set, replaces WatchDebounce.
		debounce time.Duration
	}{
		{
			name: "rename into place",
			replace: func(t *testing.T, certFile, keyFile string) string {
				g := newPair(t, "renamed.test")
				replaceByRename(t, keyFile, g.KeyPEM)
				replaceByRename(t, certFile, g.CertPEM)
				return "renamed.test"
			},
			wantLog:    "certificate reloaded",
			wantNotLog: "reload failed",
			// Between the two renames the directory holds the new key
			// with the old certificate; the debounce must cover the gap,
			// which a busy machine can stretch.
			debounce: 2 * time.Second,
		},
		{
			name: "written in place, cert and key a moment apart",
			replace: func(t *testing.T, certFile, keyFile string) string {
				// Within the debounce, the new certificate with the old key
				// is never loaded on its own: no error is logged.
				g := newPair(t, "inplace.test")
				if err := os.WriteFile(certFile, g.CertPEM, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
					t.Fatal(err)
				}
				return "inplace.test"
			},
			wantLog:    "certificate reloaded",
			wantNotLog: "reload failed",
			// What is tested is the debounce itself: two writes inside it
			// make one reload. The window is wide so that the two writes,
			// back to back here, stay inside it however busy the machine.
			debounce: 2 * time.Second,
		},
		{
			name: "garbage key keeps the old pair",
			replace: func(t *testing.T, certFile, keyFile string) string {
				replaceByRename(t, keyFile, []byte("garbage\n"))
				return "old.test"
			},
			wantLog:    "certificate reload failed",
			wantNotLog: "certificate reloaded",
		},
		{
			name: "mismatched key keeps the old pair",
			replace: func(t *testing.T, certFile, keyFile string) string {
				replaceByRename(t, keyFile, newPair(t, "other.test").KeyPEM)
				return "old.test"
			},
			wantLog:    "does not match",
			wantNotLog: "certificate reloaded",
		},
		{
			name: "same pair written again",
			replace: func(t *testing.T, certFile, keyFile string) string {
				data, err := os.ReadFile(certFile)
				if err != nil {
					t.Fatal(err)
				}
				replaceByRename(t, certFile, data)
				return "old.test"
			},
			wantLog:    "certificate unchanged",
			wantNotLog: "certificate reloaded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, certFile, keyFile := loadedPair(t, dir, "old.test")
			s.debounce = tt.debounce
			logBuf := watched(t, s)
			wantCN := tt.replace(t, certFile, keyFile)
			waitFor(t, 10*time.Second, "log line "+tt.wantLog, func() bool {
				return strings.Contains(logBuf.String(), tt.wantLog)
			})
			if got := s.Leaf().Subject.CommonName; got != wantCN {
				t.Errorf("serving %q, want %q", got, wantCN)
			}
			// Let a late, wrong reload show up before judging the log.
			settle(t, logBuf, keyFile)
			logText := logBuf.String()
			if strings.Contains(logText, tt.wantNotLog) {
				t.Errorf("log has %q:\n%s", tt.wantNotLog, logText)
			}
			if strings.Contains(logText, "reload failed") {
				// The error names both files, so the operator knows what to fix.
				for _, f := range []string{certFile, keyFile} {
					if !strings.Contains(logText, f) {
						t.Errorf("reload error does not name %s:\n%s", f, logText)
					}
				}
			}
			if strings.Contains(logText, "certificate reloaded") {
				want := "sha256=" + Fingerprint(s.Leaf().Raw)
				if !strings.Contains(logText, want) || !strings.Contains(logText, "subject=") || !strings.Contains(logText, "not_after=") {
					t.Errorf("reload line lacks subject, not_after or %s:\n%s", want, logText)
				}
			}
		})
	}
}

// TestWatchKubernetesSecret mimics how the kubelet updates a secret volume:
// the files are symlinks through ..data, and an update swaps ..data to a
// new directory by rename. The files themselves never change. The swap
// alone is the change: the old version's removal, which the kubelet does
// next, is a second sign of it, and the reload must not wait for it.
func TestWatchKubernetesSecret(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	for _, removeOld := range []bool{true, false} {
		t.Run(map[bool]string{true: "old version removed", false: "swap alone"}[removeOld], func(t *testing.T) {
			t.Parallel()
			testWatchKubernetesSecret(t, removeOld)
		})
	}
}

func testWatchKubernetesSecret(t *testing.T, removeOld bool) {
	dir := t.TempDir()
	writeVersion := func(version string, g *Generated) {
		vdir := filepath.Join(dir, version)
		if err := os.Mkdir(vdir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vdir, "tls.crt"), g.CertPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vdir, "tls.key"), g.KeyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(version, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	writeVersion("..2026_01_01_v1", newPair(t, "v1.test"))
	for _, name := range []string{"tls.crt", "tls.key"} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := LoadFiles(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	logBuf := watched(t, s)

	writeVersion("..2026_01_02_v2", newPair(t, "v2.test"))
	if removeOld {
		os.RemoveAll(filepath.Join(dir, "..2026_01_01_v1"))
	}
	waitFor(t, 10*time.Second, "v2 served", func() bool { return s.Leaf().Subject.CommonName == "v2.test" })
	if strings.Contains(logBuf.String(), "reload failed") {
		t.Errorf("a reload failed on the way:\n%s", logBuf.String())
	}
}

// TestWatchLogInSameDirectory: a server started as
// `tlsecho >tlsecho.log` beside its cert.pem writes its log into the
// watched directory. Those writes are not a certificate change: they must
// neither hold back the reload of a new pair nor, at debug level, log a
// line about themselves that is itself a write, and so on without end.
func TestWatchLogInSameDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, certFile, keyFile := loadedPair(t, dir, "old.test")
	logFile, err := os.Create(filepath.Join(dir, "tlsecho.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	logBuf := watchedAlsoLogTo(t, s, logFile)

	g := newPair(t, "new.test")
	replaceByRename(t, keyFile, g.KeyPEM)
	replaceByRename(t, certFile, g.CertPEM)
	deadline := time.Now().Add(10 * time.Second)
	for s.Leaf().Subject.CommonName != "new.test" {
		if time.Now().After(deadline) {
			logText := logBuf.String()
			t.Fatalf("new pair not served within 10s; the log grew to %d lines, %d of them about the log file",
				strings.Count(logText, "\n"), strings.Count(logText, "tlsecho.log"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logText := logBuf.String(); strings.Contains(logText, "tlsecho.log") {
		t.Errorf("the watcher logged about its own log file:\n%s", logText)
	}
}

// TestWatchChmod: a permission change on a watched file is a reload. A
// new key renamed into place with a mode the server cannot read fails
// the reload ("permission denied"); the operator's fix, chmod, is then the
// only event, and must load the pair. (The test may run as root, which
// reads any file, so it checks that the chmod reloads.)
func TestWatchChmod(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _, keyFile := loadedPair(t, dir, "old.test")
	logBuf := watched(t, s)
	if err := os.Chmod(keyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a reload after chmod", func() bool {
		return strings.Contains(logBuf.String(), reloadOutcome)
	})
}

// TestWatchWithoutFiles: an in-memory Source has nothing to watch, and
// Watch returns at once instead of blocking until its context ends.
func TestWatchWithoutFiles(t *testing.T) {
	t.Parallel()
	s, err := NewSelfSigned([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Watch(context.Background(), slog.New(slog.DiscardHandler)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch blocked for an in-memory Source")
	}
}

// TestWatchMissingDirectory: a watch that cannot be set up is an error
// naming the directory, not a silent no-op.
func TestWatchMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _, _ := loadedPair(t, dir, "old.test")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err := s.Watch(context.Background(), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Watch on a removed directory: %v, want an error naming %s", err, dir)
	}
}

// TestReloadAndLogInMemory: SIGHUP on a server with an in-memory
// certificate is answered with a log line, not an error.
func TestReloadAndLogInMemory(t *testing.T) {
	t.Parallel()
	s, err := NewSelfSigned([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	logBuf := &testlog.Buffer{}
	if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "SIGHUP"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logBuf.String(), "nothing to reload") {
		t.Errorf("log: %s", logBuf.String())
	}
}
