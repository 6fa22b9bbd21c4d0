// Package listener is the accept pipeline every tlsecho port goes through:
// one connection limit, the stages before a connection is served (the TLS
// handshake among them), and [Conn], which carries what is known about a
// connection for as long as it lives.
//
// A [Listener] wraps a net.Listener and is one itself, so both
// rawtls.Server.Serve and http.Server.Serve take it:
//
//   - The accept loop only accepts and counts. Over MaxConns a connection
//     is accepted and half-closed at once (Hooks.Refused), so its client
//     learns straight away and the others are unharmed; what the client
//     sent is read and dropped for up to LingerWait before the close (at
//     most 64 such at once), so it sees a FIN, not the reset that closing
//     over its unread request would send; the refusals are logged
//     at warn at most once every 10 seconds with their count, and at info
//     when a connection is accepted again. Accept errors that pass,
//     such as EMFILE when the process is out of descriptors, are retried
//     with a backoff of up to a second instead of ending the server, and
//     logged at warn at most once every 10 seconds, with a count of the
//     failures since the last record. A count held back inside the 10
//     seconds is written when they end (a timer, armed only while
//     something is held) or at Close, so none is lost, in words of its
//     own: by then the pressure may be over, so it tells what happened in
//     the time it covers, not that the server is refusing or retrying.
//   - Each connection then runs its stages in a short-lived goroutine of
//     its own, so a slow client never delays the next accept: Hooks.Accepted,
//     the PROXY protocol header ([Proxy]), on a TLS listener with
//     CaptureHello the client's ClientHello (read ahead into Conn.Hello
//     and put back; released after the handshake unless KeepHello is
//     set), BeforeHandshake, and on a TLS listener the
//     handshake, whose outcome
//     (error or state, and duration) goes to Hooks.Handshake and the debug
//     log. One deadline on the socket, HandshakeTimeout after accept,
//     bounds all of them: a client that opens TCP and never speaks, or
//     trickles a byte now and then, is dropped when it passes; Close
//     shortens it to the grace below. A deadline a stage sets through the
//     Conn (the drain after an alert fault) is cut to it, so no stage
//     outlasts the grace.
//   - The finished connection is handed to Accept: a *tls.Conn whose
//     handshake has completed on a TLS listener (net/http's own Handshake
//     call is then a no-op, and r.TLS is set as usual), the *Conn on a
//     plain one. The pipeline goroutine ends there; the server serves the
//     connection on a fresh goroutine, so the stack grown by the handshake
//     is not kept while the connection idles.
//
// Behind a load balancer, [Proxy] reads a PROXY protocol v1 or v2 header
// first of all, within the same deadline: Conn.Peer becomes the client it
// names and Conn.Balancer the balancer. It decides who may send one by
// address (Trusted), and whether one is required; a connection that breaks
// those rules is closed and reported like a failed handshake, and no other
// connection notices.
//
// [Conn] is the net.Conn under it all. Its RemoteAddr is the real client
// (Peer), so every log line and net/http's r.RemoteAddr show it; its Close
// closes the socket and frees the slot exactly once. Once one of its
// writes has failed it sends nothing more: under TLS a write its deadline
// cut short leaves a record the client cannot get past, and the
// close_notify crypto/tls still sends on Close would reach the client as
// a record it cannot decrypt. [From] finds it under
// a *tls.Conn and [FromContext] in an http request's context (with
// [ConnContext] as http.Server.ConnContext).
//
// An http.Server that serves a Listener sets [HTTPConns.ConnState] as
// its ConnState hook, in place of WriteTimeout: each answer gets its
// write deadline from it, and every close net/http makes (idle
// keep-alive timeout, after an answer that ends the connection,
// Shutdown, Close) gives its close_notify LingerWait, not the 5 s
// crypto/tls gives it, so a client that has stopped reading cannot hold
// the connection that long. [HTTPConns.Drain], right before Shutdown,
// closes the idle connections all at once, so that such clients cannot
// hold the Shutdown, which closes them one after another, either.
//
// A stage that reads ahead of the handshake (a PROXY header, a peeked
// ClientHello) gives the bytes back with [Conn.Replay]; one that records
// what crypto/tls reads uses [Conn.Tap]. Per-connection state a stage
// learns lives in a field of Conn, set before Accept returns it.
//
// On a TLS listener the Conn follows the boundaries of the TLS records
// crypto/tls reads through it, from the handshake on, so that a server
// can learn when crypto/tls holds no input ([Conn.Unread]) and wait for
// the socket itself then ([InputWait]), holding no buffer and no deep
// stack while a connection idles. The raw TLS echo and the WebSocket echo
// both wait so. On Linux a wait can hold no goroutine either
// ([InputWait.Park]): the socket joins an epoll set of the listener's
// own, and a read deadline set through the Conn, or its Close, starts the
// connection again; so such a connection must be closed through its
// Conn, never by its socket (NetConn) alone. The same watch sees a TLS 1.2 client's handshake record
// after the handshake, most likely a renegotiation crypto/tls refuses:
// net/http drops that connection silently, so Close logs it at debug, in
// words that begin as the raw TLS echo's (tlsinfo.ErrRenegotiation).
//
// # Concurrency
//
// Accept, Close and Addr are safe for concurrent use. Hooks and
// BeforeHandshake run concurrently for different connections. Close stops
// the accept loop at once; handshakes in flight get a short grace (a
// second at most) to complete, so a client that connected just before a
// shutdown is served and drained rather than reset; one that does not
// finish in time fails with "the server is shutting down", not with its
// own timeout. EndGrace ends the grace early, for a server whose drain
// has run out of time. Accept keeps returning
// those, then fails: a server that calls Accept until it fails
// (rawtls.Server, http.Server) has every connection the listener took.
// Connections already handed out belong to their server. A Conn's
// exported fields are written only by its pipeline goroutine, before
// Accept returns it, and only read afterwards; Hello alone is cleared
// later, by [Conn.ReleaseHello] from the goroutine that serves the
// connection (ws does so at an upgrade): after Accept, only that
// goroutine may read Hello.
package listener
