package term

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestIs: a regular file and a buffer are no terminal; /dev/null, a
// character device, is taken for one, as the commands' output to it
// harms nothing either way.
func TestIs(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Is(f) || Is(&bytes.Buffer{}) {
		t.Error("a file or a buffer taken for a terminal")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	if !Is(null) {
		t.Error("a character device not taken for a terminal")
	}
}
