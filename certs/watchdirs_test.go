package certs

import (
	"crypto/x509"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestWatchDirectoryReplaced: the whole directory holding the pair is
// replaced, by renames or by a symlink swapped to a new directory. The
// new pair is served, and the files changed afterwards in the new
// directory are seen too: a watch that stayed on the old directory
// would see nothing from then on.
func TestWatchDirectoryReplaced(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	tests := []struct {
		name string
		// setup makes root/name holding the first pair and returns the
		// directory the server is given.
		setup func(t *testing.T, root string) string
		// swap puts the directory fresh (holding new.test) in place.
		swap func(t *testing.T, root, fresh string, logBuf interface{ String() string })
	}{
		{
			name: "renamed away and another renamed in",
			setup: func(t *testing.T, root string) string {
				return mkdir(t, root, "certs")
			},
			swap: func(t *testing.T, root, fresh string, _ interface{ String() string }) {
				rename(t, filepath.Join(root, "certs"), filepath.Join(root, "certs.old"))
				rename(t, fresh, filepath.Join(root, "certs"))
			},
		},
		{
			name: "gone for a while, then back",
			setup: func(t *testing.T, root string) string {
				return mkdir(t, root, "certs")
			},
			swap: func(t *testing.T, root, fresh string, logBuf interface{ String() string }) {
				rename(t, filepath.Join(root, "certs"), filepath.Join(root, "certs.old"))
				waitFor(t, 10*time.Second, "the failed reload while the directory is gone", func() bool {
					return strings.Contains(logBuf.String(), "certificate reload failed")
				})
				rename(t, fresh, filepath.Join(root, "certs"))
			},
		},
		{
			name: "symlinked directory pointed elsewhere",
			setup: func(t *testing.T, root string) string {
				mkdir(t, root, "v1")
				if err := os.Symlink("v1", filepath.Join(root, "live")); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(root, "live")
			},
			swap: func(t *testing.T, root, fresh string, _ interface{ String() string }) {
				// As ln -sfn does it: a new link renamed over the old.
				tmp := filepath.Join(root, "live.tmp")
				if err := os.Symlink(filepath.Base(fresh), tmp); err != nil {
					t.Fatal(err)
				}
				rename(t, tmp, filepath.Join(root, "live"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := tt.setup(t, root)
			s, certFile, keyFile := loadedPair(t, dir, "old.test")
			logBuf := watched(t, s)

			fresh := mkdir(t, root, "fresh")
			writePair(t, fresh, "cert", "new.test")
			tt.swap(t, root, fresh, logBuf)
			waitFor(t, 10*time.Second, "new.test served from the new directory", func() bool {
				return s.Leaf().Subject.CommonName == "new.test"
			})

			g := newPair(t, "third.test")
			replaceByRename(t, keyFile, g.KeyPEM)
			replaceByRename(t, certFile, g.CertPEM)
			waitFor(t, 10*time.Second, "a pair changed in the new directory served", func() bool {
				return s.Leaf().Subject.CommonName == "third.test"
			})
		})
	}
}

func mkdir(t *testing.T, root, name string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// symlinkedPair writes a pair for host into a directory of its own and
// returns it with the symlinks to it in another directory, as the
// Source is given them.
func symlinkedPair(t *testing.T, host string) (target, certFile, keyFile string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	root := t.TempDir()
	target, served := mkdir(t, root, "target"), mkdir(t, root, "served")
	writePair(t, target, "cert", host)
	certFile, keyFile = filepath.Join(served, "cert.pem"), filepath.Join(served, "cert-key.pem")
	for link, to := range map[string]string{certFile: "cert.pem", keyFile: "cert-key.pem"} {
		if err := os.Symlink(filepath.Join(target, to), link); err != nil {
			t.Fatal(err)
		}
	}
	return target, certFile, keyFile
}

// watchedSymlinkedPair is symlinkedPair loaded into a Source that a
// watch follows, with the watch's log.
func watchedSymlinkedPair(t *testing.T, host string) (target string, s *Source, logBuf *testlog.Buffer) {
	t.Helper()
	target, certFile, keyFile := symlinkedPair(t, host)
	s, err := LoadFiles(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return target, s, watched(t, s)
}

// writeInPlace writes a pair for host over the files in dir, or creates
// them, as cp does: the key first, so that a reload between the two
// writes fails rather than serving a mismatch.
func writeInPlace(t *testing.T, dir, host string) {
	t.Helper()
	g := newPair(t, host)
	if err := os.WriteFile(filepath.Join(dir, "cert-key.pem"), g.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), g.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchSymlinkTargetRecreated: the files are symlinks into another
// directory, and their targets are deleted, then created again (rm,
// then cp). The watches on the old files end with them, and the
// symlinks' directory sees no change, so only a watch on the targets'
// directory sees the new pair; the in-place write after it must be seen
// too.
func TestWatchSymlinkTargetRecreated(t *testing.T) {
	t.Parallel()
	target, s, logBuf := watchedSymlinkedPair(t, "old.test")

	for _, name := range []string{"cert.pem", "cert-key.pem"} {
		if err := os.Remove(filepath.Join(target, name)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "the failed reload while the files are gone", func() bool {
		return strings.Contains(logBuf.String(), "certificate reload failed")
	})
	writeInPlace(t, target, "new.test")
	waitFor(t, 10*time.Second, "new.test served after its files were created again", func() bool {
		return s.Leaf().Subject.CommonName == "new.test"
	})
	writeInPlace(t, target, "third.test")
	waitFor(t, 10*time.Second, "third.test, written in place after that, served", func() bool {
		return s.Leaf().Subject.CommonName == "third.test"
	})
}

// TestReloadRestoresWatch: the symlinks' target directory is removed
// and made again, which nothing watched sees. SIGHUP loads the new pair,
// and must also watch the files anew: an in-place write after it must
// be seen without another SIGHUP.
func TestReloadRestoresWatch(t *testing.T) {
	t.Parallel()
	target, s, logBuf := watchedSymlinkedPair(t, "old.test")

	if err := os.RemoveAll(target); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the failed reload while the directory is gone", func() bool {
		return strings.Contains(logBuf.String(), "certificate reload failed")
	})
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	writeInPlace(t, target, "new.test")
	if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "SIGHUP"); err != nil {
		t.Fatal(err)
	}
	if got := s.Leaf().Subject.CommonName; got != "new.test" {
		t.Fatalf("serving %q after SIGHUP, want new.test", got)
	}
	writeInPlace(t, target, "third.test")
	waitFor(t, 10*time.Second, "third.test, written in place after SIGHUP, served", func() bool {
		return s.Leaf().Subject.CommonName == "third.test"
	})
}

// TestWatchClientCASymlinkTargetRecreated is TestWatchSymlinkTargetRecreated
// for the client CA file, which is watched the same way.
func TestWatchClientCASymlinkTargetRecreated(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	one, two := newMTLSCA(t, "one"), newMTLSCA(t, "two")
	s, caTarget := sourceTrusting(t, one.ca.CertPEM)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.Symlink(caTarget, caFile); err != nil {
		t.Fatal(err)
	}
	if err := s.RequireClientCerts(caFile); err != nil {
		t.Fatal(err)
	}
	logBuf := watched(t, s)
	trusts := func(c mtlsCA) func() bool {
		return func() bool {
			_, err := c.client.Leaf.Verify(x509.VerifyOptions{Roots: s.ClientCAs(), Intermediates: x509.NewCertPool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			return err == nil
		}
	}

	if err := os.Remove(caTarget); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the failed reload while the CA file is gone", func() bool {
		return strings.Contains(logBuf.String(), "client CA reload failed")
	})
	if err := os.WriteFile(caTarget, two.ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "CA two trusted after its file was created again", trusts(two))
	if err := os.WriteFile(caTarget, one.ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "CA one, written in place after that, trusted", trusts(one))
}
