//go:build race

package main

// raceBuild is set when the tests run under -race: a binary built for
// them is built with it too, so that it reuses the packages the test
// build compiled rather than compiling the standard library again.
const raceBuild = true
