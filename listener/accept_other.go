//go:build !unix

package listener

// isTransientAcceptErr has no portable errno list off Unix; timeouts are
// still retried by the caller.
func isTransientAcceptErr(error) bool { return false }
