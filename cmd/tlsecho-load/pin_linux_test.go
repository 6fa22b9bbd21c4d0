package main

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPinSplitsCPUs: compare's servers get one CPU and the load the
// others, none shared, so that a server's CPU time is its own; with
// -same-cpu the load shares the servers' one CPU. Every thread of this
// process moves to the load's CPUs (it is put back on all of them after).
func TestPinSplitsCPUs(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		t.Skip("pinning needs two CPUs")
	}
	defer func() {
		if err := pinSelf(cpus); err != nil {
			t.Fatal(err)
		}
	}()
	for _, same := range []bool{false, true} {
		b := &bench{}
		how := b.pin(same)
		wantLoad := cpus[1:]
		if same {
			wantLoad = cpus[:1]
		}
		if !slices.Equal(b.serverCPUs, cpus[:1]) || !slices.Equal(b.loadCPUs, wantLoad) {
			t.Errorf("same %v: %q, servers on %v, load on %v; want servers on %v, load on %v", same, how, b.serverCPUs, b.loadCPUs, cpus[:1], wantLoad)
		}
		entries, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Skip("no /proc/self/task here")
		}
		want := "Cpus_allowed_list:\t" + cpuList(wantLoad) + "\n"
		if len(wantLoad) > 1 && wantLoad[len(wantLoad)-1]-wantLoad[0] == len(wantLoad)-1 {
			want = "Cpus_allowed_list:\t" + strconv.Itoa(wantLoad[0]) + "-" + strconv.Itoa(wantLoad[len(wantLoad)-1]) + "\n"
		}
		for _, e := range entries {
			status, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
			if err != nil {
				continue // the thread ended
			}
			if !strings.Contains(string(status), want) {
				t.Errorf("same %v: thread %s is not on the load's CPUs (%q):\n%s", same, e.Name(), want, status)
				break
			}
		}
		if err := pinSelf(cpus); err != nil {
			t.Fatal(err)
		}
	}
}
