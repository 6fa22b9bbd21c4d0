package certs

import (
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// dirWatch keeps an inotify watch on each directory holding the watched
// files, by path rather than by the directory first found there. A watch
// follows an inode: after `mv certs certs.old; mv certs.new certs`, or
// `ln -sfn v2 live` when the files are reached through a symlinked
// directory, it would report the old directory's changes and never the
// new one's. So the parents are watched too (a swap is an event there),
// and before each reload every directory is looked at again and watched
// anew when what its path names has changed.
//
// A file reached through a symlink into another directory is watched in
// that directory too (targets): a target deleted and then created again
// is a new file, which no watch on the old one, nor on the symlink's
// directory, sees come.
type dirWatch struct {
	w   *fsnotify.Watcher
	log *slog.Logger
	// mu guards the maps: refresh runs on every reload, a SIGHUP's too,
	// while the watching goroutine asks relevant.
	mu   sync.Mutex
	dirs map[string]os.FileInfo // what each path named when watched; nil: not watched
	// parentOnly are the parents watched only to see a directory
	// replaced: of their events, only those naming a directory count.
	parentOnly map[string]bool
	// targets are the directories the files' symlinks end in, outside
	// dirs, with what each path named when watched; nil: a parentOnly
	// directory, whose watch already sees them. At most one per file,
	// those no file ends in any more are dropped.
	targets map[string]os.FileInfo
	// files are the watched files themselves (watchFiles).
	files []string
}

// newDirWatch watches dirs, which must exist, and their parents where it
// can: a parent it may not watch only means a replaced directory goes
// unseen, as before, so that is a warning and not an error.
func newDirWatch(w *fsnotify.Watcher, log *slog.Logger, dirs, files []string) (*dirWatch, error) {
	d := &dirWatch{w: w, log: log, dirs: map[string]os.FileInfo{}, parentOnly: map[string]bool{}, targets: map[string]os.FileInfo{}, files: files}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err == nil {
			err = w.Add(dir)
		}
		if err != nil {
			return nil, err
		}
		d.dirs[dir] = fi
	}
	for _, dir := range dirs {
		p := filepath.Dir(dir)
		if _, ok := d.dirs[p]; ok || d.parentOnly[p] || p == dir {
			continue
		}
		if err := w.Add(p); err != nil {
			log.Warn("cannot watch the directory above the certificate files; replacing their whole directory will need SIGHUP", "dir", p, "err", err)
			continue
		}
		d.parentOnly[p] = true
	}
	d.watchTargets()
	d.watchFiles()
	return d, nil
}

// watchFiles watches each file itself too, through its symlinks, anew:
// the file it names now. A directory's watch reports a change made
// through that directory only, so it misses a file written in place
// through another path to it: a file bind-mounted into a container on
// its own and copied over on the host, or the target of a symlink into
// another directory. A watch on the file sees every write to it, and its
// unlinking when a new file is renamed over it. A file missing now is
// left to the watch on its directory, or on its symlink's target
// directory (watchTargets), which sees it come.
func (d *dirWatch) watchFiles() {
	for _, f := range d.files {
		// The watch may be on a file replaced since, or gone with it;
		// the error that says so is expected.
		_ = d.w.Remove(f)
		_ = d.w.Add(f)
	}
}

// relevant reports whether an event from a parent watched only for the
// directories' sake is about one of them; events from the directories
// themselves are for the caller to judge.
func (d *dirWatch) relevant(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := filepath.Dir(name)
	if _, target := d.targets[dir]; target || !d.parentOnly[dir] {
		return true
	}
	_, ok := d.dirs[name]
	return ok
}

// refresh watches again each directory whose path now names another
// directory than the one watched, or that came back after it was gone,
// and the symlinks' target directories and the files as they are now. A
// directory missing now stays unwatched until its parent reports it
// back; the reload that follows logs the missing files.
func (d *dirWatch) refresh() {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.watchFiles()
	defer d.watchTargets()
	for dir, old := range d.dirs {
		fi, err := os.Stat(dir)
		if err == nil && old != nil && os.SameFile(old, fi) {
			continue
		}
		if old != nil {
			// The watch may be gone with the directory already; the
			// error that says so is expected.
			_ = d.w.Remove(dir)
			d.dirs[dir] = nil
		}
		if err != nil {
			continue
		}
		if err := d.w.Add(dir); err != nil {
			d.log.Warn("cannot watch the replaced certificate directory; send SIGHUP after changing its files", "dir", dir, "err", err)
			continue
		}
		d.dirs[dir] = fi
		d.log.Info("watching the replaced certificate directory", "dir", dir)
	}
}

// watchTargets watches the directory each file's symlinks end in, where
// that is not one of dirs: the file's own watch is lost with the file,
// and only a watch on its directory sees a new one created there. A
// directory watched already under another path is left out, since
// inotify gives both paths one watch, which removing either would end;
// so is a target directory missing now, until a reload finds it again
// (SIGHUP, or a change seen in dirs). A change to a symlink on the way
// that lies outside dirs is not seen (see [Source.Watch]).
func (d *dirWatch) watchTargets() {
	want := map[string]bool{}
	for _, f := range d.files {
		dir := filepath.Dir(linkTarget(f))
		if _, ok := d.dirs[dir]; !ok {
			want[dir] = true
		}
	}
	for dir, old := range d.targets {
		if want[dir] && old == nil && d.parentOnly[dir] {
			continue
		}
		if fi, err := os.Stat(dir); want[dir] && err == nil && old != nil && os.SameFile(old, fi) {
			continue
		}
		if old != nil {
			// The watch may be gone with the directory already; the
			// error that says so is expected.
			_ = d.w.Remove(dir)
		}
		delete(d.targets, dir)
	}
	for dir := range want {
		if _, ok := d.targets[dir]; ok {
			continue
		}
		if d.parentOnly[dir] {
			d.targets[dir] = nil
			continue
		}
		fi, err := os.Stat(dir)
		if err != nil || d.watchedAs(fi) {
			continue
		}
		if err := d.w.Add(dir); err != nil {
			d.log.Warn("cannot watch the directory a certificate file's symlink points into; send SIGHUP after replacing the file there", "dir", dir, "err", err)
			continue
		}
		d.targets[dir] = fi
	}
}

// watchedAs reports whether the directory fi is watched already, under
// whatever path.
func (d *dirWatch) watchedAs(fi os.FileInfo) bool {
	for _, m := range []map[string]os.FileInfo{d.dirs, d.targets} {
		for _, w := range m {
			if w != nil && os.SameFile(w, fi) {
				return true
			}
		}
	}
	return false
}

// linkTarget follows the symlinks that path's last element is, at most
// 8 as a bound against loops, to the path they end at, whether or not a
// file is there now.
func linkTarget(path string) string {
	for range 8 {
		next, ok := readLink(path)
		if !ok {
			break
		}
		path = next
	}
	return path
}

// readLink returns the path the symlink at path points to, a relative
// target taken from the link's own directory, as the system resolves it;
// ok is false when path is no symlink (or cannot be read).
func readLink(path string) (target string, ok bool) {
	target, err := os.Readlink(path)
	if err != nil {
		return "", false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return filepath.Clean(target), true
}
