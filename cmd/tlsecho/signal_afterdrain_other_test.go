//go:build !linux

package main

// runMainThenInterrupt is never set where TestSignalAfterDrainExitsZero
// does not run.
const runMainThenInterrupt = "then-SIGINT"

// mainThenInterrupt is main: the test that needs more is Linux only.
func mainThenInterrupt() { main() }
