package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The parts of the Kubernetes objects in deploy/kubernetes that must agree
// with the server; everything else is left to kubectl.
type (
	k8sObject struct {
		Kind string  `yaml:"kind"`
		Spec k8sSpec `yaml:"spec"`
	}
	k8sSpec struct {
		// Deployment
		Replicas int `yaml:"replicas"`
		// Selector is {matchLabels: {...}} in a Deployment or a
		// PodDisruptionBudget, the labels themselves in a Service.
		Selector map[string]any `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec k8sPodSpec `yaml:"spec"`
		} `yaml:"template"`
		// Service
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		// PodDisruptionBudget
		MaxUnavailable *int `yaml:"maxUnavailable"`
		MinAvailable   *int `yaml:"minAvailable"`
	}
	k8sPodSpec struct {
		TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsUser  int `yaml:"runAsUser"`
			RunAsGroup int `yaml:"runAsGroup"`
			FSGroup    int `yaml:"fsGroup"`
		} `yaml:"securityContext"`
		Containers []k8sContainer `yaml:"containers"`
		Volumes    []struct {
			Name   string `yaml:"name"`
			Secret *struct {
				SecretName  string `yaml:"secretName"`
				DefaultMode *int   `yaml:"defaultMode"`
			} `yaml:"secret"`
		} `yaml:"volumes"`
	}
	k8sContainer struct {
		Name  string `yaml:"name"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"env"`
		ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
		LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
		VolumeMounts   []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
		PeriodSeconds    int `yaml:"periodSeconds"`
		FailureThreshold int `yaml:"failureThreshold"`
	}
)

// readYAMLDocs decodes every document of a YAML file strictly: a field
// the structs do not know is fine, a syntax error or a wrong type is not.
func readYAMLDocs[T any](t *testing.T, file string) []T {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var v T
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, v)
	}
	return out
}

// envConfig loads the server's configuration from the environment a
// manifest gives, as the server in the container would, after checking
// that each name is one the server (or the Go runtime) reads.
func envConfig(t *testing.T, where string, env map[string]string) Config {
	t.Helper()
	known := map[string]bool{}
	for f := range reflect.TypeFor[Config]().Fields() {
		known[envPrefix+f.Tag.Get("env")] = true
	}
	var environ []string
	// The Go runtime's own settings are for the runtime, not the server.
	for _, k := range []string{"GOMEMLIMIT", "GOGC", "GOMAXPROCS", "GODEBUG"} {
		known[k] = true
	}
	for k, v := range env {
		if !known[k] {
			t.Errorf("%s sets %s, which tlsecho does not read", where, k)
		}
		environ = append(environ, k+"="+v)
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		t.Fatalf("%s: the server would refuse its environment: %v", where, err)
	}
	return cfg
}

func addrPort(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKubernetesManifests checks the fields of deploy/kubernetes that
// must agree with the server and the contract: ports, probes, the
// certificate's Secret volume, and a grace period that fits the drain
// delay and the drain.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	dir := "../../deploy/kubernetes"
	kust := readYAMLDocs[struct {
		Resources []string `yaml:"resources"`
	}](t, filepath.Join(dir, "kustomization.yaml"))
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var want []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			want = append(want, filepath.Base(f))
		}
	}
	if len(kust) != 1 || !slices.Equal(slices.Sorted(slices.Values(kust[0].Resources)), want) {
		t.Errorf("kustomization.yaml lists %v; the directory holds %v", kust, want)
	}

	objs := map[string]k8sObject{}
	for _, f := range want {
		for _, o := range readYAMLDocs[k8sObject](t, filepath.Join(dir, f)) {
			objs[o.Kind] = o
		}
	}
	dep, svc, pdb := objs["Deployment"], objs["Service"], objs["PodDisruptionBudget"]
	if dep.Kind == "" || svc.Kind == "" || pdb.Kind == "" {
		t.Fatalf("want a Deployment, a Service and a PodDisruptionBudget; have %v", slices.Collect(func(yield func(string) bool) {
			for k := range objs {
				yield(k)
			}
		}))
	}
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, have %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	cfg := envConfig(t, "deployment.yaml", env)

	// Ports: named as the Service and the probes use them, numbered as
	// the server listens.
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for name, addr := range map[string]string{"tls": cfg.TLSAddr, "https": cfg.HTTPSAddr, "admin": cfg.AdminAddr} {
		if ports[name] != addrPort(t, addr) {
			t.Errorf("container port %q is %d; the server listens on %s", name, ports[name], addr)
		}
	}

	// Probes on the admin listener: ready on /readyz, alive on /healthz.
	for _, p := range []struct {
		what  string
		probe *k8sProbe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: want httpGet %s on port admin, have none", p.what, p.path)
		} else if g := *p.probe.HTTPGet; g.Path != p.path || g.Port != "admin" {
			t.Errorf("%s probe: want httpGet %s on port admin, have %s on port %s", p.what, p.path, g.Path, g.Port)
		}
	}

	// Shutdown: the readiness probe sees the 503 within the drain delay,
	// and delay plus drain (SHUTDOWN_TIMEOUT) fit the grace period.
	if r := c.ReadinessProbe; r != nil {
		period := time.Duration(max(r.PeriodSeconds, 1)*max(r.FailureThreshold, 1)) * time.Second
		if cfg.DrainDelay <= period {
			t.Errorf("TLSECHO_DRAIN_DELAY %v: the readiness probe needs up to %v to see the 503", cfg.DrainDelay, period)
		}
	}
	grace := 30 * time.Second // Kubernetes' default
	if g := pod.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if cfg.ShutdownTimeout >= grace {
		t.Errorf("TLSECHO_SHUTDOWN_TIMEOUT %v (drain delay %v included) does not fit the %v grace period", cfg.ShutdownTimeout, cfg.DrainDelay, grace)
	}

	// The certificate: both files in one Secret volume, which the watcher
	// follows, readable by the image's user 65532 and by nobody else.
	var mount string
	var secret string
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				mount, secret = m.MountPath, v.Name
				mode := 0o644 // Kubernetes' default
				if v.Secret.DefaultMode != nil {
					mode = *v.Secret.DefaultMode
				}
				sc := pod.SecurityContext
				if sc.RunAsUser != 65532 {
					t.Errorf("runAsUser %d, want the image's 65532", sc.RunAsUser)
				}
				if sc.FSGroup != 65532 || mode&0o040 == 0 {
					t.Errorf("fsGroup %d, defaultMode %#o: uid 65532 cannot read the key", sc.FSGroup, mode)
				}
				if mode&0o007 != 0 {
					t.Errorf("defaultMode %#o: the key is readable by others", mode)
				}
			}
		}
	}
	if mount == "" {
		t.Fatal("no Secret volume mounted for the certificate")
	}
	// A kubernetes.io/tls Secret holds tls.crt and tls.key.
	for f, key := range map[string]string{cfg.CertFile: "tls.crt", cfg.KeyFile: "tls.key"} {
		if f != filepath.Join(mount, key) {
			t.Errorf("%s is not %s of the secret volume %s mounted at %s", f, key, secret, mount)
		}
	}

	// The Service passes both TLS ports through to the pods it selects.
	labels := dep.Spec.Template.Metadata.Labels
	for _, o := range []k8sObject{svc, dep, pdb} {
		if !selects(o.Spec.Selector, labels) {
			t.Errorf("the %s's selector %v does not select the pods labelled %v", o.Kind, o.Spec.Selector, labels)
		}
	}
	var targets []string
	for _, p := range svc.Spec.Ports {
		targets = append(targets, p.TargetPort)
		if p.Port != ports[p.TargetPort] {
			t.Errorf("Service port %d goes to %s (%d): clients would see another port than the server announces", p.Port, p.TargetPort, ports[p.TargetPort])
		}
	}
	if slices.Sort(targets); !slices.Equal(targets, []string{"https", "tls"}) {
		t.Errorf("Service targets %v, want the two TLS ports", targets)
	}

	// Voluntary disruptions leave a copy serving.
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		if *pdb.Spec.MaxUnavailable >= dep.Spec.Replicas {
			t.Errorf("PodDisruptionBudget maxUnavailable %d of %d replicas", *pdb.Spec.MaxUnavailable, dep.Spec.Replicas)
		}
	case pdb.Spec.MinAvailable != nil:
		if *pdb.Spec.MinAvailable < 1 || *pdb.Spec.MinAvailable >= dep.Spec.Replicas {
			t.Errorf("PodDisruptionBudget minAvailable %d of %d replicas", *pdb.Spec.MinAvailable, dep.Spec.Replicas)
		}
	default:
		t.Error("PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
}

// selects tells whether a selector, in either of its forms, picks pods
// with these labels. An empty one would pick every pod of the namespace.
func selects(sel map[string]any, labels map[string]string) bool {
	if ml, ok := sel["matchLabels"].(map[string]any); ok {
		sel = ml
	}
	for k, v := range sel {
		if s, _ := v.(string); labels[k] != s {
			return false
		}
	}
	return len(sel) > 0
}

// composeFile is what TestCompose reads of deploy/compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image           string            `yaml:"image"`
		Environment     map[string]string `yaml:"environment"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
		Ports           []string          `yaml:"ports"`
		Volumes         []string          `yaml:"volumes"`
		DependsOn       []string          `yaml:"depends_on"`
		// networks is a list or a map in compose; only the map form
		// carries an address.
		RawNetworks yaml.Node `yaml:"networks"`
	} `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet  string `yaml:"subnet"`
				IPRange string `yaml:"ip_range"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
}

// TestCompose checks deploy/compose.yaml and deploy/haproxy.cfg against
// each other and the server: HAProxy's servers are the tlsecho services on
// their ports, send PROXY v2 and check /readyz on admin; the services
// require PROXY headers from HAProxy's address only; the drain delay
// outlasts HAProxy's detection, and the shutdown timeout fits docker
// stop's grace period.
func TestCompose(t *testing.T) {
	t.Parallel()
	docs := readYAMLDocs[composeFile](t, "../../deploy/compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml holds %d documents", len(docs))
	}
	services := docs[0].Services
	cfgText, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	backends, readyzChecked := haBackends(string(cfgText))

	hap, ok := services["haproxy"]
	if !ok {
		t.Fatal("no haproxy service")
	}
	if !slices.ContainsFunc(hap.Volumes, func(v string) bool { return strings.HasPrefix(v, "./haproxy.cfg:") }) {
		t.Errorf("the haproxy service does not mount ./haproxy.cfg: %v", hap.Volumes)
	}
	var nets map[string]struct {
		IPv4Address string `yaml:"ipv4_address"`
	}
	if err := hap.RawNetworks.Decode(&nets); err != nil {
		t.Fatalf("haproxy's networks: %v", err)
	}
	var haproxyIP, haproxyNet string
	for name, n := range nets {
		haproxyIP, haproxyNet = n.IPv4Address, name
	}
	if haproxyIP == "" {
		t.Fatal("the haproxy service has no fixed address for the backends to trust")
	}
	checkFixedAddress(t, haproxyIP, docs[0].Networks[haproxyNet].IPAM.Config)

	var echoes []string
	for name, svc := range services {
		if name == "haproxy" {
			continue
		}
		echoes = append(echoes, name)
		cfg := envConfig(t, "compose.yaml service "+name, svc.Environment)
		if cfg.ProxyProtocol != "require" || !slices.Equal(cfg.ProxyTrusted, []string{haproxyIP}) {
			t.Errorf("%s: PROXY %q from %v; want require, from HAProxy's %s only", name, cfg.ProxyProtocol, cfg.ProxyTrusted, haproxyIP)
		}
		grace := 10 * time.Second // docker stop's default
		if svc.StopGracePeriod != "" {
			if grace, err = time.ParseDuration(svc.StopGracePeriod); err != nil {
				t.Fatalf("%s: stop_grace_period: %v", name, err)
			}
		}
		if cfg.ShutdownTimeout >= grace {
			t.Errorf("%s: TLSECHO_SHUTDOWN_TIMEOUT %v does not fit the %v stop grace period", name, cfg.ShutdownTimeout, grace)
		}
		if !slices.Contains(hap.DependsOn, name) {
			t.Errorf("haproxy does not depend on %s", name)
		}
		// HAProxy sends to this service's TLS ports and checks its admin.
		for backend, port := range map[string]string{"tls": listenPortOf(cfg.TLSAddr), "https": listenPortOf(cfg.HTTPSAddr)} {
			i := slices.IndexFunc(backends[backend], func(s haServer) bool { return s.addr == name+":"+port })
			if i < 0 {
				t.Errorf("backend %s has no server %s:%s: %+v", backend, name, port, backends[backend])
				continue
			}
			s := backends[backend][i]
			if !s.has("send-proxy-v2") || !s.has("check") || s.opt("port") != listenPortOf(cfg.AdminAddr) {
				t.Errorf("server %s of %s: want send-proxy-v2 and a check on admin port %s: %v", s.name, backend, listenPortOf(cfg.AdminAddr), s.opts)
			}
			inter, err := time.ParseDuration(s.opt("inter"))
			fall, _ := strconv.Atoi(s.opt("fall"))
			if err != nil || fall < 1 {
				t.Errorf("server %s of %s: inter %q fall %q", s.name, backend, s.opt("inter"), s.opt("fall"))
			} else if detect := time.Duration(fall) * inter; cfg.DrainDelay <= detect {
				t.Errorf("%s: TLSECHO_DRAIN_DELAY %v; HAProxy needs up to %v (fall %d x inter %v) to see the 503", name, cfg.DrainDelay, detect, fall, inter)
			}
		}
	}
	if len(echoes) < 2 {
		t.Errorf("compose.yaml runs %d tlsecho copies; a balancer wants more", len(echoes))
	}
	for _, b := range []string{"tls", "https"} {
		if !readyzChecked[b] {
			t.Errorf("backend %s does not check GET /readyz", b)
		}
		if len(backends[b]) != len(echoes) {
			t.Errorf("backend %s has %d servers for %d tlsecho services", b, len(backends[b]), len(echoes))
		}
	}
	for _, p := range []string{"8433:8433", "8443:8443"} {
		if !slices.Contains(hap.Ports, p) {
			t.Errorf("haproxy does not publish %s: %v", p, hap.Ports)
		}
	}
}

// checkFixedAddress checks that HAProxy's fixed address lies in its
// network's subnet but outside the range Docker hands out to the other
// containers: otherwise a tlsecho copy started while HAProxy is down may
// take the address, and HAProxy then cannot start.
func checkFixedAddress(t *testing.T, ip string, configs []struct {
	Subnet  string `yaml:"subnet"`
	IPRange string `yaml:"ip_range"`
}) {
	t.Helper()
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		t.Fatalf("haproxy's address %q: %v", ip, err)
	}
	for _, c := range configs {
		subnet, err := netip.ParsePrefix(c.Subnet)
		if err != nil || !subnet.Contains(addr) {
			continue
		}
		dynamic, err := netip.ParsePrefix(c.IPRange)
		if err != nil {
			t.Errorf("the network of haproxy's %s has no ip_range for the other containers (%q): %v", ip, c.IPRange, err)
		} else if dynamic.Contains(addr) {
			t.Errorf("haproxy's %s lies in ip_range %s, which Docker hands out to other containers", ip, dynamic)
		}
		return
	}
	t.Errorf("haproxy's %s lies in no subnet of its network: %+v", ip, configs)
}
