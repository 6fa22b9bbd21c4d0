// Package testmain holds what the TestMain functions of this module share.
//
// Most of the module's tests spend their time waiting, not computing: on
// an idle timeout, a shutdown drain, a child process, a browser, a
// throttled echo. The go command runs at most GOMAXPROCS parallel tests of
// a package at once by default, which is 2 on the machines the suite must
// pass on, so tests that only wait would queue behind each other. [Parallel]
// raises that default for a package whose parallel tests mostly wait; a
// -parallel given on the command line still wins.
//
// Tests that look at process-wide state (goroutine and descriptor counts,
// goleak.VerifyNone) stay sequential: the testing package runs every
// sequential test of a package before it resumes the parallel ones, so they
// never overlap. Their waits then add up before any parallel test runs; a
// long one can instead call [Alone] and run in a process of its own, beside
// the parallel tests.
//
// Concurrency: call [Parallel] from TestMain, before testing.M.Run; call
// [Alone] first thing in a test, from its own goroutine.
package testmain
