//go:build !linux

package main

import "os"

// termWidth is 0 (unknown) where the terminal's size is not read.
func termWidth(*os.File) int { return 0 }
