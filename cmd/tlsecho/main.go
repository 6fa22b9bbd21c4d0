// Command tlsecho is a TLS and WebSocket echo server for testing TLS
// clients, browsers' wss code, load balancers and certificates.
//
// Run it with no arguments (or `tlsecho serve`); `tlsecho -h` lists the
// commands and every environment variable.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes shared by the commands.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad arguments or configuration
)

// run is main without the process: tests call it directly.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch {
		case isHelp(args[0]):
			usage(stdout)
			return exitOK
		case args[0] == "help":
			return helpCmd(ctx, args[1:], stdout, stderr)
		case args[0] == "-version" || args[0] == "--version":
			cmd = "version"
			args = args[1:]
		default:
			if !strings.HasPrefix(args[0], "-") {
				cmd, args = args[0], args[1:]
			}
		}
	}
	if f, ok := commands(ctx, environ, stdin, stdout, stderr)[cmd]; ok {
		return f(args)
	}
	fmt.Fprintf(stderr, "tlsecho: unknown command %q; see tlsecho -h\n", cmd)
	return exitUsage
}

// commands are the commands run takes as its first argument, by name,
// each bound to what run was given; `tlsecho help` asks them too.
func commands(ctx context.Context, environ []string, stdin io.Reader, stdout, stderr io.Writer) map[string]func(args []string) int {
	return map[string]func([]string) int{
		"serve":   func(args []string) int { return serveCmd(ctx, args, environ, stdout, stderr) },
		"health":  func(args []string) int { return healthCmd(ctx, args, environ, stdout, stderr) },
		"cert":    func(args []string) int { return certCmd(args, stdout, stderr) },
		"client":  func(args []string) int { return clientCmd(ctx, args, stdin, stdout, stderr) },
		"version": func(args []string) int { return versionCmd(args, stdout, stderr) },
	}
}

// helpCmd is `tlsecho help [COMMAND]`, as git and go read it: with a
// command, that command's own help (what `tlsecho COMMAND -h` prints);
// without, the overview. A name that is no command is refused, not
// answered with the overview: a typo in a script should not pass.
func helpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || len(args) == 1 && (args[0] == "help" || isHelp(args[0])):
		usage(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(stderr, "tlsecho help: takes one command at most; see tlsecho -h")
		return exitUsage
	}
	f, ok := commands(ctx, nil, nil, stdout, stderr)[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tlsecho help: unknown command %q; see tlsecho -h\n", args[0])
		return exitUsage
	}
	// Every command answers -h with its help, on stdout, before it reads
	// anything else.
	return f([]string{"-h"})
}

// isHelp tells the spellings of the help flag that every command accepts.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// versionCmd is `tlsecho version`; like the other commands it answers -h
// with its help and refuses arguments it does not take.
func versionCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			fmt.Fprint(stdout, "Usage: tlsecho version\n\nPrints the version of tlsecho and of the Go it was built with.\n")
			return exitOK
		}
		fmt.Fprintln(stderr, "tlsecho version: takes no arguments")
		return exitUsage
	}
	fmt.Fprintln(stdout, "tlsecho", versionString())
	return exitOK
}

func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if ok {
		v += " " + bi.GoVersion
	}
	return v
}

func usage(w io.Writer) {
	fmt.Fprint(w, `tlsecho: a TLS and WebSocket echo server.

Usage:
  tlsecho [serve]     run the server (configured by the environment below)
  tlsecho health      exit 0 when the local server answers /healthz
  tlsecho cert        write a certificate and key for TLSECHO_CERT_FILE/KEY_FILE
  tlsecho client URL  connect to tls:// or wss://, show the certificate and TLS, echo
  tlsecho version     print the version
  tlsecho COMMAND -h  help for a command

The server listens on three ports, four with TLSECHO_HTTP_ADDR; both TLS
ports present the one certificate:
  TLSECHO_TLS_ADDR    raw TLS echo: every byte comes back, in order
  TLSECHO_HTTPS_ADDR  GET / test page, GET /ws wss echo, GET /info, GET /healthz
  TLSECHO_ADMIN_ADDR  plain HTTP: /metrics, /healthz, /readyz, /hellos, /faults
  TLSECHO_HTTP_ADDR   plain HTTP (off unless set): the page, /ws, /info, /healthz

Environment:
`)
	printEnvHelp(w)
	fmt.Fprint(w, `
With neither TLSECHO_CERT_FILE nor TLSECHO_KEY_FILE, a self-signed ECDSA P-256
certificate for TLSECHO_HOSTS is made in memory; nothing is written to disk.
Durations are Go durations: 500ms, 10s, 5m.
`)
}
