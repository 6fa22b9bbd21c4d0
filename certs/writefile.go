package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to a temporary file in the same directory
// and moves it to path, so a crash never leaves a partly written
// certificate or key under the final name. Without overwrite the move is
// a hard link, which fails if path exists (like O_EXCL) and never
// replaces a file that appeared since the check; where hard links are
// not supported, path is created with O_EXCL and written directly. A path
// that exists then is an error wrapping fs.ErrExist.
func WriteFileAtomic(path string, data []byte, perm os.FileMode, overwrite bool) (err error) {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*") // mode 0600 from the start
	if err != nil {
		return fmt.Errorf("certs: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a rename or link, a no-op or just the extra name
	err = writeSyncClose(tmp, data)
	if err == nil && perm != 0o600 {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err != nil {
		return fmt.Errorf("certs: write %s: %w", path, err)
	}
	if overwrite {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("certs: write %s: %w", path, err)
		}
		return nil
	}
	lerr := os.Link(tmp.Name(), path)
	switch {
	case lerr == nil:
		return nil
	case errors.Is(lerr, os.ErrExist):
		return existsError(path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return existsError(path)
		}
		return fmt.Errorf("certs: write %s: %w", path, err)
	}
	if err := writeSyncClose(f, data); err != nil {
		os.Remove(path)
		return fmt.Errorf("certs: write %s: %w", path, err)
	}
	return nil
}

// existsError is a path WriteFileAtomic would not replace; it is
// fs.ErrExist to errors.Is.
type existsError string

func (e existsError) Error() string        { return "certs: " + string(e) + " already exists" }
func (e existsError) Is(target error) bool { return target == fs.ErrExist }

// writeSyncClose writes data and makes it durable before the name that
// points at it can be seen, then closes f; the first error wins.
func writeSyncClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
