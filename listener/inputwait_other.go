//go:build !unix

package listener

// Init reports false: elsewhere a server waits for input inside
// its read.
func (w *InputWait) Init(*Conn) bool { return false }

// readNow is never called where no InputWait can run.
func (c *Conn) readNow([]byte) (int, error) { return 0, ErrNoInput }
