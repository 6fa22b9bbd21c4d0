// Package tlsinfo describes TLS for people: what a client offered in its
// ClientHello (with its JA4, JA4_r and JA3 fingerprints), what a
// connection negotiated, and the certificates involved. The client's
// printout, /info, /hellos, the page, `tlsecho cert` and the logs all
// render these descriptions, so each thing is described once.
//
// # Reading the ClientHello
//
// Go's tls.ClientHelloInfo lacks the legacy version, the key-share
// groups and the order-preserving detail fingerprints need, and a hello
// Go rejects early never reaches GetConfigForClient. So the server reads
// the hello with [ReadClientHello] from the accepted connection before
// crypto/tls does, and puts those bytes back in front of what crypto/tls
// reads (the listener package does both): the handshake runs exactly as
// it would have, failures included, and the failed ones are described
// too. A hello is put back in small records, one to a read
// ([Refragment]): crypto/tls keeps its input buffer, sized by the
// largest record read, for the connection's life.
//
// The read is bounded: one handshake message of at most 64 KiB, as
// crypto/tls takes, in at most [MaxHelloBytes] of records, records split
// across reads and a message split across records reassembled, warning
// alerts before it passed over as crypto/tls does, each byte looked at once (a client dribbling a byte at a
// time costs no more than one sending it at once). A first byte that
// cannot begin a TLS record ends the read at once, so plain text on a
// TLS port is not waited for. An SSLv2-compatible hello (RFC 5246
// appendix E.2), which crypto/tls refuses, is read too, so that what an
// old client offered is shown ([ClientHello.SSLv2]). The caller's read
// deadline bounds the time.
// [Parse] decodes the message with golang.org/x/crypto/cryptobyte and
// allocates in proportion to its length.
//
// # Fingerprints
//
// [ClientHello.JA4] and [ClientHello.JA4R] follow FoxIO's specification
// (technical_details/JA4.md in FoxIO-LLC/ja4; the BSD-licensed JA4 only).
// For a first ALPN value that does not begin and end with an ASCII
// letter or digit, this package follows the specification's text: the
// first and last characters of the value in hex. Its reference
// implementations do not: they print a non-ASCII character as "9" (so
// 0xba 0xad gives "99") and other characters as they are ("-abc" gives
// "-c", where the text gives "23"). [ClientHello.JA3]
// and [ClientHello.JA3Hash] follow Salesforce's original JA3. GREASE
// values (RFC 8701, [IsGREASE]) are left out of counts and hashes, and
// named "GREASE" in the described lists. An extension sent twice, which
// crypto/tls refuses, is taken as the reference code of each takes it:
// JA4 from every supported_versions and ALPN value and the first
// signature_algorithms, as FoxIO's code reads them from Wireshark; JA3
// from the last supported_groups and ec_point_formats, as ja3.py
// overwrites them. An extension whose contents crypto/tls refuses counts
// in both by its type; contents that do not decode give none of its
// fields, as FoxIO's code sees them through Wireshark (no SNI is "i", no
// ALPN "00"), and contents that decode but break a rule give them as
// decoded ([ClientHello.MalformedExtensions]).
//
// # Concurrency
//
// Descriptions are values, built once and read anywhere. [Recent] and
// [HelloRecorder] are safe for concurrent use; a [ClientHello] must not be
// changed once shared.
package tlsinfo
