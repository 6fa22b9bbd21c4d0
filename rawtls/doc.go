// Package rawtls serves raw TLS connections: the "simple TLS server" of the
// OpenSSL wiki, with the traps of that design handled.
//
// A [Server] serves the established connections of a listener.Listener,
// each in its own goroutine (the Go netpoller is the epoll reactor
// underneath, so thousands of mostly idle connections cost a goroutine
// stack each, not a thread), handing each to a [Handler]. [Echo] is the
// handler that sends every byte back.
//
// The listener does what comes before: the connection limit (a connection
// over MaxConns is closed as soon as it is accepted, leaving the others
// unharmed), accept backoff on EMFILE, and the handshake bounded by its
// HandshakeTimeout, so a client that opens TCP and never speaks (or speaks
// plain HTTP) is dropped without holding a goroutine for longer than that:
// the hang that a blocking SSL_accept has. The server owns the rest of the
// life-cycle, so handlers stay small:
//
//   - A client silent for IdleTimeout is closed (the bytes of a record
//     still arriving are not silence, though no data comes of them until
//     the record is whole: one that stops in the middle of a record is
//     closed IdleTimeout after its last byte), and one that takes none of what the server
//     sent for that long while a write waits (the bytes it acknowledged,
//     on Linux; elsewhere the writes) is dropped, so a client that sends
//     but never reads cannot pin the server, and one that reads slowly is
//     not taken for it however long a write waits for room in the send
//     buffer. A write paced by a bw fault is slow on
//     purpose: it counts as not taken once the client has taken none of
//     the paced bytes waiting for it for IdleTimeout
//     (fault.Session.Stalled). One timer per connection keeps both: no
//     deadline is set per read or write.
//   - The echo holds no buffer while a connection idles. When crypto/tls
//     holds no input (the listener follows its records:
//     listener.Conn.Unread), it waits for the socket to turn readable
//     from a shallow wait in the poller (listener.InputWait); only then
//     does it take a 16 KiB buffer from a pool, read a whole record into
//     it and send it back in one record and one write. The wait costs the
//     system call that finds the socket empty, as a wait inside crypto/tls
//     does, and when the input is there already that call takes it. A
//     record that has begun arriving is read as it comes, with the buffer.
//     On Linux a quiet connection holds no goroutine either: once it has
//     had no input for a moment (park.go), the echo
//     parks it in the listener's epoll set (listener.InputWait.Park) and
//     runs again on a fresh goroutine once the socket turns readable, a
//     read deadline is set (the idle watch, Shutdown) or it is closed; a
//     busy one waits where it echoed (park.go). Where the socket cannot be waited on this way (not Unix), or behind
//     a listener other than listener.Listener, the wait happens inside the
//     read, holding the buffer.
//   - When the client stops sending (close_notify, or a TCP FIN) Read returns
//     io.EOF; a handler that has echoed all it read returns, and the server
//     answers with its own close_notify (RFC 8446 section 6.1) before closing
//     the socket. Nothing received is lost to the half-close. The close
//     takes at most listener.LingerWait: a client that reads nothing more
//     has its socket closed then, close_notify sent or not, not after the
//     5 s crypto/tls gives the close_notify's write.
//   - [Server.Shutdown] stops accepting, then lets each connection drain: a
//     client still sending (a record still arriving included) is read and
//     served until it has been quiet for DrainQuiet from its last byte
//     (within twice that when its last record carried no data, a key
//     update), an idle one is closed at once, and one already in its close
//     keeps its listener.LingerWait of reading what the client still sends.
//
// With Faults set, a connection that got a fault spec at accept (see the
// fault and listener packages) is echoed by the fault package's echo,
// with its delays, records, pacing and ends; the others pay a nil check.
// The close verb's close_notify is bounded as the server's own close is:
// a client that reads nothing more has its socket closed
// listener.LingerWait after the verb took effect.
//
// # Concurrency
//
// A Handler is called in the connection's own goroutine and is the only
// reader and writer of its Conn. A panic in it ends its connection only:
// it is logged at error level with the peer and the stack, and the
// connection is closed. Server methods are safe for concurrent use.
package rawtls
