package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzParseStatCPU builds a /proc/PID/stat line around any command name
// (the kernel puts it in parentheses but lets it hold spaces, parentheses
// and newlines) and checks that parseStatCPU finds utime and stime after
// it.
func FuzzParseStatCPU(f *testing.F) {
	f.Add("tlsecho", uint32(150), uint32(25))
	f.Add("tls echo) (x", uint32(0), uint32(1))
	f.Add(") S 1 2 3 4 5 6 7 8 9 10 11 12 13 (", uint32(7), uint32(9))
	f.Fuzz(func(t *testing.T, comm string, utime, stime uint32) {
		stat := fmt.Sprintf("4242 (%s) S 1 4242 4242 0 -1 4194560 2000 0 0 0 %d %d 0 0 20 0 9 0 100 2000000 3000 18446744073709551615\n", comm, utime, stime)
		cpu, err := parseStatCPU(stat)
		if want := time.Duration(uint64(utime)+uint64(stime)) * clockTick; err != nil || cpu != want {
			t.Fatalf("%q: %v, %v; want %v", stat, cpu, err, want)
		}
		// Cut anywhere, the line gives an error or a duration, never a panic.
		for i := range len(stat) {
			parseStatCPU(stat[:i])
		}
	})
}

// FuzzParseMetrics: any exposition text parses without a panic, and only
// unlabelled samples come back, by their names.
func FuzzParseMetrics(f *testing.F) {
	f.Add("# HELP go_goroutines Goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 17\ntlsecho_connections{listener=\"tls\"} 3\n")
	f.Add("process_resident_memory_bytes 2.4150016e+07\nx NaN\ny +Inf\n")
	f.Add("a\nb 1 2\n\n# c 3\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := parseMetrics(strings.NewReader(text))
		if err != nil {
			return
		}
		for name := range m {
			if name == "" || strings.HasPrefix(name, "#") || strings.ContainsAny(name, "{ \t\n") {
				t.Fatalf("%q gave the sample name %q", text, name)
			}
		}
	})
}

// FuzzParseStatusRSS: any /proc/PID/status text gives VmRSS or an error,
// never a panic, and a VmRSS line written in kB is read back in bytes.
func FuzzParseStatusRSS(f *testing.F) {
	f.Add("Name:\ttlsecho\nVmRSS:\t   12345 kB\n", uint32(12345))
	f.Add("VmRSS:", uint32(0))
	f.Fuzz(func(t *testing.T, status string, kb uint32) {
		parseStatusRSS(status)
		if strings.Contains(status, "VmRSS:") {
			return
		}
		line := fmt.Sprintf("VmRSS:\t%8d kB\n", kb)
		if rss, err := parseStatusRSS(status + "\n" + line); err != nil || rss != int64(kb)<<10 {
			t.Fatalf("%q: %d, %v; want %d", status+"\n"+line, rss, err, int64(kb)<<10)
		}
	})
}
