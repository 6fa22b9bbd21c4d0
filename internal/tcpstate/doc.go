// Package tcpstate serves tests that wait on what the kernel did with a
// TCP socket (bytes acknowledged, a FIN taken, input left unread) rather
// than on time: a loopback pair of sockets (Pair), and on Linux, their
// state as the kernel reports it.
package tcpstate
