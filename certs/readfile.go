package certs

import (
	"fmt"
	"io"
	"os"
)

// maxPEMFile bounds what is read of a certificate, key or CA file: a
// long chain or a large CA bundle is a few hundred KiB, and a file that
// is not one at all (a log written to the wrong path, /dev/zero behind a
// symlink) must not be read whole into memory at every reload.
const maxPEMFile = 4 << 20

// readPEMFile reads file, refusing one over maxPEMFile.
func readPEMFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPEMFile {
		return nil, fmt.Errorf("%s is over %d MiB, more than any PEM file this takes", file, maxPEMFile>>20)
	}
	return data, nil
}
