// Package rawtls serves raw TLS connections: the "simple TLS server" of the
// OpenSSL wiki, with the traps of that design handled.
//
// A [Server] accepts on a net.Listener, runs each connection in its own
// goroutine (the Go netpoller is the epoll reactor underneath, so thousands
// of mostly idle connections cost a goroutine stack each, not a thread), and
// hands each completed handshake to a [Handler]. [Echo] is the handler that
// sends every byte back.
//
// The server owns the connection life-cycle, so handlers stay small:
//
//   - The handshake runs explicitly, bounded by HandshakeTimeout: a client
//     that opens TCP and never speaks (or speaks plain HTTP) is dropped
//     without holding a goroutine for longer than that. This is the hang that
//     a blocking SSL_accept has.
//   - [Conn.Read] applies the idle timeout; [Conn.Write] a write timeout, so a
//     client that sends but never reads cannot pin the server.
//   - When the client stops sending (close_notify, or a TCP FIN) Read returns
//     io.EOF; a handler that has echoed all it read returns, and the server
//     answers with its own close_notify (RFC 8446 section 6.1) before closing
//     the socket. Nothing received is lost to the half-close.
//   - [Server.Shutdown] stops accepting, then lets each connection drain: a
//     client still sending is read and served until it has been quiet for
//     DrainQuiet, an idle one is closed at once.
//   - At most MaxConns connections (handshaking or established) are served;
//     a connection over the limit is closed as soon as it is accepted, which
//     leaves the others unharmed. Accept errors such as EMFILE are retried
//     with a backoff instead of ending the server.
//
// # Concurrency
//
// A Handler is called in the connection's own goroutine and is the only
// reader and writer of its Conn. Server methods are safe for concurrent use.
package rawtls
