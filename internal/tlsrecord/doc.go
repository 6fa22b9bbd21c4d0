// Package tlsrecord writes TLS records in a client's place, for tests
// that must send what no TLS library sends on request: a TLS 1.3
// KeyUpdate, a TLS 1.2 warning alert, an empty record. A crypto/tls
// client makes the handshake and logs its secrets (Config.KeyLogWriter);
// a [Writer13] or [Writer12] then seals records as that client would,
// for a connection on which the client itself has sent nothing since
// its Finished. Only the AES-128-GCM suites are written, which a test
// asks its client to negotiate.
package tlsrecord
