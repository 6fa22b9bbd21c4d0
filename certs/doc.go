// Package certs is the one certificate source of tlsecho.
//
// A [Source] holds the serving certificate and hands it out through
// tls.Config.GetCertificate, so every listener built from [Source.TLSConfig]
// presents the same certificate, and a reload (see [Source.Reload]) changes
// all of them at once for new handshakes while established connections keep
// the keys they negotiated. A session resumes only while its certificate is
// served, so after a reload that changed it every client sees the new one
// at its next connection.
//
// A Source is either self-signed and in memory ([NewSelfSigned]: nothing is
// written to disk, the default of the server) or backed by a PEM pair on disk
// ([LoadFiles]), which can be reloaded: [Source.Watch] reloads when the files
// change, including the rename-into-place of certbot and Kubernetes secret
// volumes, and [Source.ReloadAndLog] serves SIGHUP. A pair that fails to load
// or whose key does not match is refused and the old one keeps serving;
// [Source.ReloadStats] counts the reloads by outcome, for metrics, without
// the package depending on a metrics library.
// [Source.RequireClientCerts] adds mTLS: the CA file is watched and reloaded
// with the pair, and a broken one, or one whose CAs' names would not fit in a
// handshake's certificate request, keeps the previous pool;
// [Source.ClientCAReloadStats] counts its reloads.
// [Generate] makes certificates for both the in-memory case and the
// `tlsecho cert` command, self-signed or issued by a local CA, which
// [LoadOrMakeCA] keeps on disk (made once, never replaced), and
// [WriteFileAtomic] writes them so that no half-written file is ever seen
// under its name. [CheckHost] says whether a name can go into one so that
// clients match it, in words for the user; Generate refuses what it refuses.
//
// # Security
//
// The TLS configuration is conservative on purpose: TLS 1.2 at least, and in
// TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305),
// as RFC 9325 section 4.2 recommends. TLS 1.3 suites are not configurable in Go
// and are all AEAD. A client CA pool turns on required and verified client
// certificates (mTLS). A tls.Config cannot change once in use, so a
// reloaded pool reaches new handshakes through GetConfigForClient; crypto/tls
// checks a resumed session's client chain against that pool, so taking a
// CA out of the file ends its clients' sessions too.
//
// # Concurrency
//
// All methods of Source are safe for concurrent use. GetCertificate is called
// on every handshake and takes no lock: the current certificate is an atomic
// pointer.
package certs
