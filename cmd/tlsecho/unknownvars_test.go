package main

import (
	"slices"
	"testing"
)

func TestUnknownVars(t *testing.T) {
	t.Parallel()
	got := unknownVars([]string{
		"TLSECHO_IDLE_TIMEOUT=5s",    // a setting
		"TLSECHO_IDLE_TIMOUT=30s",    // one letter short
		"TLSECHO_MAXCONNS=10",        // an underscore short
		"TLSECHO_SOMETHING_ELSE=1",   // no setting near
		"HOME=/root",                 // not ours
		"TLSECHO_TLS_ADDR",           // no '=', as some environments have
		"tlsecho_max_conns=10",       // lower case: not read
		"Tlsecho_Log_Levl=debug",     // mixed case and a letter short
		"TLSECHO=1",                  // not even the prefix
		"TLSECHO_IDLE_TIMEOUT_MS=1",  // three letters long: still near
		"TLSECHO_IDLE_TIMEOUT_SEC=1", // four long: another word
	})
	want := []unknownVar{
		{"TLSECHO_IDLE_TIMOUT", "TLSECHO_IDLE_TIMEOUT"},
		{"TLSECHO_MAXCONNS", "TLSECHO_MAX_CONNS"},
		{"TLSECHO_SOMETHING_ELSE", ""},
		{"tlsecho_max_conns", "TLSECHO_MAX_CONNS"},
		{"Tlsecho_Log_Levl", "TLSECHO_LOG_LEVEL"},
		{"TLSECHO_IDLE_TIMEOUT_MS", "TLSECHO_IDLE_TIMEOUT"},
		{"TLSECHO_IDLE_TIMEOUT_SEC", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("unknownVars = %v, want %v", got, want)
	}
}

// TestUnknownVarLogged: the server starts, and says which variable it
// ignored and what it was likely meant to be.
func TestUnknownVarLogged(t *testing.T) {
	t.Parallel()
	p := startProc(t, "TLSECHO_IDLE_TIMOUT=30s")
	for m := range p.waitLog(t, "not a tlsecho setting", ioWait) {
		if m["var"] != "TLSECHO_IDLE_TIMOUT" || m["did_you_mean"] != "TLSECHO_IDLE_TIMEOUT" || m["level"] != "WARN" {
			t.Errorf("logged %v", m)
		}
	}
}

// TestLowerCaseVarLogged: a setting written in lower case is not read
// (names are case-sensitive), so the server warns of it as of a typo,
// naming the setting meant.
func TestLowerCaseVarLogged(t *testing.T) {
	t.Parallel()
	p := startProc(t, "tlsecho_idle_timeout=30s")
	for m := range p.waitLog(t, "not a tlsecho setting", ioWait) {
		if m["var"] != "tlsecho_idle_timeout" || m["did_you_mean"] != "TLSECHO_IDLE_TIMEOUT" || m["level"] != "WARN" {
			t.Errorf("logged %v", m)
		}
	}
}
