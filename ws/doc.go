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
//     answers these itself.
//   - A text message that is not valid UTF-8 fails with close 1007 (RFC 6455
//     section 8.1), detected as soon as the bad byte arrives, also when a
//     character is split across fragments.
//   - A message longer than MaxMessageBytes, in one frame or summed over its
//     fragments, or after decompression, fails with close 1009. A message of
//     exactly MaxMessageBytes is served.
//   - A close from the client is answered with the same code (section 5.5.1).
//   - Origin: a request without an Origin header is allowed (it comes from a
//     non-browser client, which could forge any header anyway); otherwise the
//     Origin must match the request's Host, or an entry of AllowedOrigins
//     exactly, or AllowedOrigins must be "*". A refused Origin gets HTTP 403
//     before any upgrade. This is what stops another site's page from using
//     a visitor's browser against this server (cross-site WebSocket hijacking).
//     A browser shows the page only close 1006, so the refusal is logged at
//     warn, naming the origin, the host it was compared with and
//     OriginsSetting; the 403 body says the same in one line. At most five
//     such records a second are written, then one that counts the rest, so
//     a flood cannot fill a disk.
//   - Every refused upgrade carries Sec-WebSocket-Version: 13 (RFC 6455
//     section 4.4), as gorilla's own refusals do.
//   - The server pings a client that has sent nothing for PingInterval; a
//     client that answers neither that ping nor anything else within another
//     PingInterval is dropped. A client that sends no message for
//     IdleTimeout is closed with 1000 "idle timeout".
//   - [Server.Shutdown] sends close 1001 to every client and waits for the
//     closing handshake.
//
// # Concurrency
//
// gorilla/websocket allows one concurrent reader and one concurrent writer
// per connection; Close and WriteControl may be called from anywhere. The
// Handler owns reading and writing data messages; the transport only uses
// WriteControl (pings, closes) from other goroutines, so the rule holds.
//
// # Compression
//
// permessage-deflate (RFC 7692) is off unless Compression is set. Safari
// has mishandled compressed frames in the past, and an echo server is often
// used to find exactly such bugs, so plain frames are the default.
package ws
