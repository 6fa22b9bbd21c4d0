// Package fault makes a connection misbehave on request, so that a
// client's unhappy paths can be tested against a real TLS and WebSocket
// server: slow or fragmented echoes, a capped bandwidth, a stalled or
// refused handshake, an odd close code, a FIN, a reset, a socket gone
// silent, pings left unanswered, a refused upgrade.
//
// A spec is a comma list of verb[:arg][@when] ([Parse]): delay:100ms~20ms,
// frag:1, bw:8KiB, hsdelay:2s, alert:handshake_failure,
// close:4001:reason, fin, rst, blackhole, nopong, status:503. @N acts
// right after the N-th echo has been sent (messages on /ws, bytes on the
// raw port), @D once D has passed since the connection was accepted.
//
// Where a connection's spec comes from, the first that applies: the
// fault query parameter of /ws ([Injector.RequestSpec]); a spec armed on
// the admin port for the next N connections of a listener
// ([Injector.Handler], taken at accept by [Injector.Take]); the default
// for every connection ([Options.Default]). Each connection's faults are
// its own: nothing is shared with another connection but the counters.
//
// # How the verbs act
//
//   - hsdelay and alert act in the accept pipeline before the handshake
//     ([Injector.HandshakeDelay], then [Injector.HandshakeAlert]); alert
//     writes a real TLS alert record after reading the ClientHello, so the
//     client reports that alert by name. Input that is not TLS (plain
//     HTTP, an SSLv2-compatible hello) gets no alert: the listener leaves
//     it to crypto/tls, which refuses it as on a connection without
//     faults, and [SendAlert] itself refuses it at once ([ErrNotTLS]).
//   - The echo verbs run in [Session.EchoStream] (raw) and
//     [Session.EchoMessages] (/ws), which the transports use for a
//     connection that has a spec and only then: a clean connection runs
//     the plain echo and pays one nil check.
//   - delay holds each echo in a queue sent from its own goroutine, in
//     order, each D after it arrived. The queue holds at most 64 KiB (raw)
//     or 1 MiB (/ws) besides one message; past that the reader stops and
//     TCP back-pressures the client. Nothing buffers without bound.
//   - On /ws the echo streams: each piece of a message (frag's N, else
//     about 16 KiB) goes out as a frame once it is read, so a client that
//     reads its echo slowly (bw) is read as slowly. A message longer than
//     a piece goes out in frames of a piece, uncompressed also on a
//     permessage-deflate connection; a shorter one goes whole, the
//     transport's usual way. Under delay each message is read whole and
//     copied, exactly, to the queue. The buffers are lent by the
//     [Injector] from pools it shares between connections and taken back
//     once the piece is written (or the message copied): a connection
//     waiting for its next message holds none. What all hold at once,
//     delay's copies included, is charged to one [Budget]; a connection
//     past it fails with [ErrMemory] rather than wait.
//   - frag:N writes N bytes per Write on the raw port, which crypto/tls
//     sends as one record each. On /ws gorilla/websocket cannot flush a
//     frame early, so the echo writes its own frames ([AppendFrame]), each
//     with one Write: control frames that gorilla sends meanwhile land
//     between frames, which RFC 6455 section 5.4 allows.
//   - bw sits under TLS ([Throttle], [Pacer]): records and frames keep
//     their shape and arrive slower, as over a slow link, in pieces of
//     at least 1 KiB (a shorter write goes whole, after its own bytes'
//     time at the rate). A paced write lasts as long as its bytes take at
//     the rate, so the transports' rule for writes not taken asks
//     [Session.Stalled] instead: how long the client has taken none of
//     the paced bytes waiting for it.
//   - close, fin, rst and blackhole end the echo: close politely (a close
//     frame, close_notify); fin and rst on the socket below TLS; blackhole
//     stops reading and writing and holds the socket until the client
//     closes or the idle timeout passes ([Hold]). After close and fin the
//     client's remaining bytes are read and discarded, so closing does not
//     turn into a reset the client would see instead.
//
// # Bounds
//
// At most [MaxVerbs] verbs, each once; durations at most [MaxDuration];
// frag 1 to [MaxFrag]; bw [MinBW] to [MaxBW]; @N 1 to [MaxCount]; close
// codes a server may send (RFC 6455 section 7.4); at most [MaxArmed]
// armed specs of at most [MaxArmCount] connections each. A bad spec is an
// [*Error] naming the verb and why, in one line.
//
// # Concurrency
//
// [Injector] and [Session] methods are safe for concurrent use. A Session
// lets a timer's close take effect only between two writes of the echo,
// never inside a record or frame, and after a close no data goes out; a
// transport's [Target.Await] bounds a close's wait for a write the
// client takes nothing of. A timer's fin or blackhole waits for a write
// in progress a quarter second at most, then acts and cuts it (a paced
// write, or one to a client that reads nothing, would hold it for
// minutes); rst does not wait. The transports must ask [Session.Silent] before writing anything of
// their own (pings, close frames, close_notify) once fin, rst or
// blackhole took effect.
package fault
