package certs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// TestWriteFileAtomic: without overwrite a file that exists by the
// time of the move (not only at the first check) is left alone; with it,
// the file is replaced whole. Either way no temporary file remains.
func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		existing  bool
		overwrite bool
		wantErr   bool
		want      string
	}{
		{"new file", false, false, false, "new"},
		{"existing file kept", true, false, true, "old"},
		{"existing file replaced", true, true, false, "new"},
		{"new file with overwrite", false, true, false, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "key.pem")
			if tt.existing {
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := certs.WriteFileAtomic(path, []byte("new"), 0o600, tt.overwrite)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, fs.ErrExist) || err.Error() != "certs: "+path+" already exists") {
				t.Errorf("error %q is not fs.ErrExist, or does not say the file exists", err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Errorf("file holds %q, want %q", got, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d entries in the directory, want only key.pem", len(entries))
			}
		})
	}
}
