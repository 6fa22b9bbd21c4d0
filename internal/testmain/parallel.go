package testmain

import (
	"flag"
	"runtime"
	"strconv"
)

// Parallel sets the test binary's -test.parallel to n, unless the command
// line gave one or GOMAXPROCS is already as large. It parses the command
// line, as a TestMain that reads flags must.
func Parallel(n int) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if given || runtime.GOMAXPROCS(0) >= n {
		return
	}
	// The flag is the testing package's own; it exists in every test
	// binary, so there is no error to handle.
	_ = flag.Set("test.parallel", strconv.Itoa(n))
}
