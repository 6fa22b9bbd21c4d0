// Package ws serves WebSocket (RFC 6455) connections over HTTP(S) and echoes
// their messages.
//
// [Server] is an http.Handler: it checks the Origin, upgrades with
// gorilla/websocket, keeps the connection alive with pings and hands it to
// a [Handler]; [Echo] is the handler that sends every message back with the
// same type and bytes.
//
// # What the transport enforces
//
//   - Protocol violations (unmasked client frames, reserved bits, unknown
//     opcodes, fragmented or oversized control frames, invalid close codes)
//     fail the connection with close 1002; gorilla/websocket detects and
//     answers these itself, except a close frame with a 1-byte payload,
//     which it takes for a close without a code: the frame watch notes it
//     and the connection's close handler answers 1002. gorilla stops at
//     the refused frame's header, and reads through a 128-byte buffer:
//     after the 1002 what the client still sends, the rest of that frame
//     included, is discarded as after a 1009 (below), for closing with
//     it unread would reset the connection and drop the close frame.
//   - A text message that is not valid UTF-8 fails with close 1007 (RFC 6455
//     section 8.1), detected as soon as the bad byte arrives, also when a
//     character is split across fragments.
//   - A message longer than MaxMessageBytes, in one frame or summed over its
//     fragments, or after decompression, fails with close 1009. A message of
//     exactly MaxMessageBytes is served. After the 1009 the rest of the
//     message is read and discarded, until the client's close frame
//     (section 7.1.1), for at most closeWait and 16 MiB past the limit,
//     counted over the whole message (its fragments before the refused
//     one too): closing with its bytes unread would reset the connection, failing
//     the writes of a client that sends a message far too big before it
//     reads, and a client that sends without end holds no longer.
//   - A close from the client is answered with the same code (section
//     5.5.1), and one without a code with a close without one: 1005, the
//     code that stands for none, may not be sent (section 7.4.1).
//     [Conn.CloseCode] is 1005 then.
//   - Whoever starts the close, the TLS close_notify that follows the
//     close frames gets at most half a second: a client that has stopped
//     reading has its socket closed then, not after the 5 s crypto/tls
//     would wait for the close_notify's write, holding the connection's
//     slot meanwhile.
//   - A close the server starts waits for its frame to go out only while
//     the client takes bytes (TCP_INFO's bytes acknowledged on Linux,
//     completed writes elsewhere): after 5 s in which it took none, the
//     socket is closed, for no byte of the frame could reach it and the
//     handler may be blocked in a write nothing else ends. 5 s, not
//     less: a client reading slowly through a small window acknowledges
//     nothing until its kernel opens the window again, seconds apart
//     (listener.TakeWait). A client that
//     has not answered the close within 2 s has what it still sends
//     discarded before the socket closes: closing with bytes unread would
//     reset the connection, dropping the close frame a slow reader has
//     not reached yet.
//   - Origin: a request without an Origin header is allowed (it comes from a
//     non-browser client, which could forge any header anyway); otherwise the
//     Origin must match the request's Host, or an entry of AllowedOrigins
//     exactly, or AllowedOrigins must be "*". Since the match is exact, an
//     entry spelled otherwise than browsers send it matches nothing:
//     CheckAllowedOrigins says which and how to write it, for a program
//     that reads the list from its operator. A refused Origin gets HTTP 403
//     before any upgrade. This is what stops another site's page from using
//     a visitor's browser against this server (cross-site WebSocket hijacking).
//     A browser shows the page only close 1006, so the refusal is logged at
//     warn, naming the origin, the host it was compared with and
//     OriginsSetting; the 403 body says the same in one line. At most five
//     such records a second are written, then one that counts the rest, so
//     a flood cannot fill a disk; Shutdown writes that count at once if the
//     second has not ended, since the process would not live to.
//   - Every refused upgrade carries Sec-WebSocket-Version: 13 (RFC 6455
//     section 4.4), as gorilla's own refusals do: the handshake's
//     refusals, the 503 while the server drains, and a fault's 400 or
//     status:CODE alike. The RFC asks for it only with the 426 of a
//     version mismatch; on every refusal, a client that reads it finds
//     one answer. An upgrade asking for another version, or naming none,
//     gets 426 Upgrade Required (section 4.2.2), where gorilla answers
//     400.
//   - Liveness is judged by complete frames, not bytes: a client in the
//     middle of a frame cannot answer a ping (control frames may come
//     between the frames of a message, never inside one), so bytes
//     trickling into one frame prove nothing. The server pings a client
//     that has completed no frame for PingInterval; one that completes
//     none, pong included, within another PingInterval is sent close 1008
//     "no pong within" the interval and dropped, the close waiting for
//     neither the writer nor the answer longer than half a second: the
//     socket is closed within that second, whether or not crypto/tls's
//     close_notify (which it would wait 5 s for) got out. A frame
//     still arriving extends that by its length at 16 KiB/s: a message of
//     the default maximum size (1 MiB) in one frame must arrive at 16 KiB/s
//     or faster. A ping is not sent while the handler writes (the write
//     holds the writer, and a ping cut by its deadline would break the
//     connection); it is tried again a quarter interval later, and the
//     client is judged only on pings that went out and while the handler
//     could read its answer. On Linux the verdict also waits while the
//     socket holds input the server has not read (SIOCINQ): the answer
//     may be there, behind a reader that is late; the IdleTimeout rules
//     below still bound such a connection. A ping whose write fails (the client took
//     none of it within PingInterval, or the 10 s write bound when that is
//     shorter) leaves nothing that can be sent, no later ping nor a close
//     frame: the client is dropped at once, logged as one that missed its
//     pong, within two intervals of its last frame. Its CloseCode is 0:
//     the 1008 could not be sent.
//   - A ping is answered wherever it is read (pong.go), and the pong
//     waits for room as long as the client takes bytes: gorilla's own
//     handler gives the pong a second, and its failed write would leave
//     the connection unable to send anything, so a client that paused
//     reading while it sent pings was dropped without a close frame; a
//     flat 10 s dropped one reading steadily through a small window. A
//     client that takes nothing for listener.TakeWait while a pong waits
//     is dropped then (CloseCode 0); the reader reads no further ping
//     meanwhile, so a client flooding pings and reading nothing costs no
//     more than its socket.
//   - Every frame the client sends is traffic, control frames included,
//     except pongs, which answer the server's own pings (they would keep
//     any live client from ever idling). A client that sends no traffic
//     for IdleTimeout is closed with 1000 "idle timeout", unless a write
//     to it is in progress (the handler reads nothing meanwhile); one that
//     takes none of a write for IdleTimeout is dropped. A write paced by
//     a bw fault is slow on purpose: it counts as not taken once the
//     client has taken none of the paced bytes waiting for it for
//     IdleTimeout (fault.Session.Stalled).
//   - One goroutine per connection: the keepalive is a timer that looks at
//     the connection every quarter interval (of IdleTimeout where that is
//     shorter than PingInterval), and the hot path sets no
//     deadline per message. An idle connection holds gorilla's 128-byte
//     read buffer and no write buffer (one comes from a pool while a
//     message is written), and not the ClientHello its listener recorded
//     (listener.Conn.Hello is released at the upgrade: no HTTP handler
//     runs on the connection any more to show it).
//   - Between messages the echo waits on the socket itself, not inside
//     gorilla: where it echoed while its goroutine's stack has not grown,
//     else on a fresh goroutine, so that an idle connection keeps the
//     smallest stack; pongs and pings that come while it waits are taken
//     there (wait.go). That is about 4 KiB less per idle connection. A
//     busy connection (its last 4 waits each ended within a second of
//     the one before)
//     waits where it echoed whatever its stack, until the keepalive finds
//     it quiet for a whole period and moves its wait to a fresh goroutine:
//     an idle connection is back on the smallest stack within two
//     keepalive periods. On Linux a connection that is not busy waits
//     with no goroutine at all (listener.InputWait.Park), once it has been
//     quiet for listener.ParkGrace (100 ms) after the upgrade or its last
//     message (grace.go): its socket sits in an epoll set of the
//     listener's own until it turns readable, a read deadline is set (the
//     keepalive, a close) or it is closed, and then a fresh goroutine
//     waits as above; about 2.5 KiB less again. A busy connection's
//     wait answers the whole one-frame messages it read where they lie,
//     in one write through gorilla's writer, and leaves anything else to
//     gorilla (inplace.go).
//     Only over TLS, without faults or negotiated compression (a client
//     that offered none waits so on a server that offers it): the wait
//     follows the records crypto/tls has read. A plain ws:// connection (a listener
//     without TLS, behind a proxy that ends it) waits inside gorilla,
//     under the same bounds.
//   - [Server.Shutdown] sends close 1001 to every client at once, each
//     close waiting for its connection's writer no longer than the
//     shutdown allows, and waits for the closing handshakes; when its
//     context ends, the TCP connections left are closed.
//
// # Concurrency
//
// gorilla/websocket allows one concurrent reader and one concurrent writer
// per connection; Close and WriteControl may be called from anywhere. The
// Handler owns reading and writing data messages; the transport only uses
// WriteControl (pings, closes) from other goroutines, so the rule holds.
// Other goroutines also set the read deadline, to wake the reader: the
// keepalive to end the connection or a busy connection's wait, a close to
// bound the wait for its answer. Each that ends the connection sets its
// flag first, so a wait that clears a deadline set only to wake it puts
// that one back (wait.go).
// The Handler runs on a goroutine of its own, started after the upgrade,
// outside net/http's recovery; a panic in it ends its connection only:
// it is logged at error level with the peer and the stack, and the client
// gets close 1011 (internal error).
//
// # Faults
//
// With Faults set, a request may ask for faults in its URL (?fault=, see
// the fault package), or its connection may have got a spec at accept. A
// bad spec is answered 400 before the upgrade, status:CODE with that
// status. A connection with faults runs the fault package's echo, which
// writes its own frames for frag (each with one write through gorilla's
// writer, so gorilla's control frames fall between them, and each goes
// out under a data frame's write deadline, none); its ping and close
// handlers and the
// keepalive ask the session before they write, so nopong, fin, rst and
// blackhole hold. A connection without faults pays nil checks only. The
// fault echo streams, a piece of each message at a time (under delay it
// holds messages whole), charged to the server's fault.Budget: one that
// finds no room ([fault.ErrMemory]) is closed with 1013 (Try Again
// Later), and the others go on.
//
// # Compression
//
// permessage-deflate (RFC 7692) is off unless Compression is set. Safari
// has mishandled compressed frames in the past, and an echo server is often
// used to find exactly such bugs, so plain frames are the default. With
// it on, the echo compresses each piece of a message apart, with a
// compressor taken from a pool for that piece only: gorilla's writer
// would hold its 1.2 MiB compressor for as long as a client took to
// send the message (deflate.go). The fault echo's messages that go out
// whole are compressed the same way, since bw can make one write last
// minutes; one longer than the fault echo's piece streams in frames
// that are not compressed (RSV1 clear, as RFC 7692 allows).
package ws
