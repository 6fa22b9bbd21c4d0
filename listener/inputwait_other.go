//go:build !unix

package listener

// Init reports false: elsewhere a server waits for input inside
// its read.
func (w *InputWait) Init(*Conn) bool { return false }
