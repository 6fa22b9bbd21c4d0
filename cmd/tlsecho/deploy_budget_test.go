package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What deploy_budget_test reads of the Deployment beyond k8sObject: the
// numbers that must agree with each other and with the server's timers
// and memory.
type budgetDeployment struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds *int  `yaml:"terminationGracePeriodSeconds"`
				AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
				SecurityContext               struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []struct {
					Env []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					Ports []struct {
						ContainerPort int `yaml:"containerPort"`
					} `yaml:"ports"`
					Lifecycle struct {
						PreStop map[string]any `yaml:"preStop"`
					} `yaml:"lifecycle"`
					ReadinessProbe budgetProbe `yaml:"readinessProbe"`
					LivenessProbe  budgetProbe `yaml:"livenessProbe"`
					Resources      struct {
						Requests map[string]string `yaml:"requests"`
						Limits   map[string]string `yaml:"limits"`
					} `yaml:"resources"`
					SecurityContext struct {
						RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
						AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
						ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
						Capabilities             struct {
							Add  []string `yaml:"add"`
							Drop []string `yaml:"drop"`
						} `yaml:"capabilities"`
					} `yaml:"securityContext"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// budgetProbe is a probe's timing; Kubernetes' defaults fill what is unset.
type budgetProbe struct {
	PeriodSeconds    int `yaml:"periodSeconds"`
	TimeoutSeconds   int `yaml:"timeoutSeconds"`
	FailureThreshold int `yaml:"failureThreshold"`
}

func (p budgetProbe) period() time.Duration {
	return time.Duration(cmp0(p.PeriodSeconds, 10)) * time.Second
}

func (p budgetProbe) timeout() time.Duration {
	return time.Duration(cmp0(p.TimeoutSeconds, 1)) * time.Second
}

func (p budgetProbe) failures() int { return cmp0(p.FailureThreshold, 3) }

// cmp0 is v, or def when v is unset (zero).
func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// The memory figures of the README's Scaling section, measured with
// tlsecho-load scale and soak; TestKubernetesBudget checks that the
// README still gives them.
const (
	idleResident   = 14 << 20 // "14 MiB resident when idle"
	perIdleConn    = 14 << 10 // "about 14 KiB more per idle connection" (Linux, where a quiet one parks)
	perBusyConn    = 80 << 10 // "up to about 80 KiB per connection busy with messages up to 1 MiB"
	perCompression = 80 << 10 // a compressed message's inflater and buffer, "about 80 KiB more"
)

// quantity reads a Kubernetes memory quantity (64Mi, 1Gi, 500M, 1048576).
func quantity(t *testing.T, q string) float64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"", 1}} {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				t.Fatalf("memory quantity %q: %v", q, err)
			}
			return v * u.mult
		}
	}
	panic("unreachable")
}

// TestKubernetesBudget checks the numbers of deploy/kubernetes against
// each other and against the server, so that changing one cannot quietly
// break another: the grace period covers a preStop hook and the whole
// shutdown; the readiness probe sees the 503 within the drain delay and
// tolerates no less than the liveness probe does not kill; the memory
// limit holds every listener full of busy connections at
// TLSECHO_MAX_CONNS, and the fault echoes' budget; the container runs as
// non-root on a read-only root with no capability, which the server
// needs none of (it writes nothing and listens above 1024:
// TestStaticBinary runs it as uid 65532 in a directory it cannot write).
func TestKubernetesBudget(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, fig := range []string{"14 MiB resident when idle", "about 14 KiB more per idle connection", "up to about 80 KiB per connection busy with messages up to 1 MiB", "about 80 KiB more"} {
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), fig) {
			t.Errorf("the README no longer says %q; update the figures here with it", fig)
		}
	}

	var dep *budgetDeployment
	for _, d := range readYAMLDocs[budgetDeployment](t, filepath.Join("../../deploy/kubernetes", "deployment.yaml")) {
		if d.Kind == "Deployment" {
			dep = &d
		}
	}
	if dep == nil || len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("want a Deployment with one container in deployment.yaml")
	}
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	cfg := envConfig(t, "deployment.yaml", env)

	// Shutdown: the kubelet runs preStop, then sends SIGTERM, and kills
	// at the grace period counted from the start of it all.
	grace := 30 * time.Second
	if g := pod.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	var preStop time.Duration
	if h := c.Lifecycle.PreStop; h != nil {
		s, ok := h["sleep"].(map[string]any)
		secs, _ := s["seconds"].(int)
		if !ok || secs <= 0 || len(h) != 1 {
			t.Fatalf("preStop %v: only a sleep action has a length this test can count", h)
		}
		preStop = time.Duration(secs) * time.Second
	}
	if preStop+cfg.ShutdownTimeout >= grace {
		t.Errorf("preStop %v + TLSECHO_SHUTDOWN_TIMEOUT %v do not end within terminationGracePeriodSeconds %v", preStop, cfg.ShutdownTimeout, grace)
	}

	// Probes: the readiness probe answers 503 at once on SIGTERM and
	// must see it before the drain delay ends; the liveness probe must
	// never be the stricter of the two, or a slow moment would restart
	// the container instead of taking it out of rotation.
	r, l := c.ReadinessProbe, c.LivenessProbe
	if detect := r.period() * time.Duration(r.failures()); detect >= cfg.DrainDelay {
		t.Errorf("readiness sees the 503 within %v (period %v x %d), not within TLSECHO_DRAIN_DELAY %v", detect, r.period(), r.failures(), cfg.DrainDelay)
	}
	if r.timeout() >= r.period() {
		t.Errorf("readiness timeout %v not below its period %v", r.timeout(), r.period())
	}
	if l.period()*time.Duration(l.failures()) <= r.period()*time.Duration(r.failures()) || l.timeout() < r.timeout() {
		t.Errorf("liveness (%v x %d, timeout %v) is as strict as readiness (%v x %d, timeout %v)", l.period(), l.failures(), l.timeout(), r.period(), r.failures(), r.timeout())
	}

	// Memory: every listener full at TLSECHO_MAX_CONNS, the client ones
	// busy, the admin one idle, within the limit; idle within the request.
	if cfg.MaxMessageBytes > 1<<20 {
		t.Errorf("TLSECHO_MAX_MESSAGE_BYTES %d: the README's per-connection figure is for messages up to 1 MiB", cfg.MaxMessageBytes)
	}
	busy := float64(perBusyConn)
	if cfg.WSCompression {
		busy += perCompression
	}
	clientListeners := 2.0 // raw TLS and HTTPS
	if cfg.HTTPAddr != "" {
		clientListeners++
	}
	full := idleResident + clientListeners*float64(cfg.MaxConns)*busy
	if cfg.AdminAddr != "" {
		full += float64(cfg.MaxConns) * perIdleConn
	}
	if cfg.Faults {
		// The /ws echoes with faults hold their messages whole, up to
		// their budget for the whole server, besides the figures above.
		full += float64(faultMemory(cfg.MaxMessageBytes))
	}
	limit, ok := c.Resources.Limits["memory"]
	if !ok {
		t.Fatal("no memory limit")
	}
	if quantity(t, limit) <= full {
		t.Errorf("memory limit %s below %.0f MiB, every listener full at TLSECHO_MAX_CONNS %d", limit, full/(1<<20), cfg.MaxConns)
	}
	// The garbage collector must know the limit: left to GOGC alone it
	// lets the heap grow to twice what is live before it collects, and
	// a busy pod would be OOM-killed, every connection cut, where the
	// collector could have worked harder. GOMEMLIMIT sits above the full
	// budget and below the limit, leaving room for what the runtime does
	// not count.
	if gl, ok := env["GOMEMLIMIT"]; !ok {
		t.Error("GOMEMLIMIT is not set: the garbage collector does not know the memory limit")
	} else if v := quantity(t, strings.TrimSuffix(gl, "B")); v <= full || v >= quantity(t, limit) {
		t.Errorf("GOMEMLIMIT %s: want between the full budget, %.0f MiB, and the %s limit", gl, full/(1<<20), limit)
	}
	if req, ok := c.Resources.Requests["memory"]; !ok || quantity(t, req) <= idleResident {
		t.Errorf("memory request %q below the %d MiB resident when idle", req, idleResident>>20)
	}

	// Security: non-root, read-only root, no capability, no escalation.
	sc := c.SecurityContext
	if !(sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) && !(pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot) {
		t.Error("runAsNonRoot is not set")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not set; the server writes nothing")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities drop %v add %v; want ALL dropped, none added", sc.Capabilities.Drop, sc.Capabilities.Add)
	}
	// tlsecho never calls the Kubernetes API: a token mounted into a
	// server that any client can reach would only be there to be taken.
	if a := pod.AutomountServiceAccountToken; a == nil || *a {
		t.Error("automountServiceAccountToken is not false; tlsecho needs no API token")
	}
	for _, p := range c.Ports {
		if p.ContainerPort < 1024 {
			t.Errorf("container port %d needs NET_BIND_SERVICE, which is dropped", p.ContainerPort)
		}
	}
}
