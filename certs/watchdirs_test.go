package certs

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
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
