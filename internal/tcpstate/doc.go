// Package tcpstate reads a TCP socket's state from the Linux kernel, for
// tests that wait on what the kernel did (bytes acknowledged, a FIN
// taken, input left unread) rather than on time. Elsewhere it is empty.
package tcpstate
