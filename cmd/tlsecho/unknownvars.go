package main

import (
	"reflect"
	"slices"
	"strings"
)

// unknownVar is a TLSECHO_ variable of the environment that no setting
// reads, with the known name it most likely meant ("" if none is close).
type unknownVar struct {
	name, meant string
}

// unknownVars finds the TLSECHO_ variables in environ, whatever the case
// of their prefix, that are not settings. A misspelt one would otherwise
// leave its setting at the default without a word: TLSECHO_IDLE_TIMOUT=30s
// serves with 5 minutes. The variables Kubernetes sets for a Service
// named tlsecho are not settings, nor mistakes: they are left out.
func unknownVars(environ []string) []unknownVar {
	var known []string
	for f := range reflect.TypeFor[Config]().Fields() {
		known = append(known, envPrefix+f.Tag.Get("env"))
	}
	var out []unknownVar
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if isServiceLink(name, value) {
			continue
		}
		// Names are case-sensitive, so tlsecho_idle_timeout (a compose
		// file written in lower case) is not read either: warn of it too.
		if len(name) < len(envPrefix) || !strings.EqualFold(name[:len(envPrefix)], envPrefix) || slices.Contains(known, name) {
			continue
		}
		u := unknownVar{name: name}
		upper := strings.ToUpper(name)
		best := 4 // more edits than this is another word
		for _, k := range known {
			// Names whose lengths differ by best or more are at least
			// that many edits apart: skipped without the distance, whose
			// cost grows with the product of the lengths. A few thousand
			// long names, none close, took seconds of CPU under -race
			// before the first warning could be logged.
			if abs(len(upper)-len(k)) >= best {
				continue
			}
			if d := editDistance(upper, k); d < best {
				u.meant, best = k, d
			}
		}
		out = append(out, u)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// abs is the absolute value of n.
func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
