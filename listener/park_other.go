//go:build !linux

package listener

// Parking is true where a connection can wait with no goroutine
// ([InputWait.Park]): on Linux only.
const Parking = false

// parker is empty where no connection parks.
type parker struct{}

func (*parker) wake(*Conn) {}

// Park reports false: only on Linux does a connection wait with no
// goroutine.
func (w *InputWait) Park(func()) bool { return false }
