package main

// The cgo door and the adjustment, against the real C resolver: a table of
// containers with what NRI should be told. Needs `make nri` first (the
// static libraries); run with `make test-nri` or go test in nri/.

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/containerd/nri/pkg/api"
)

// buildDir is where make put this architecture's data plane; $VAOCI_TEST_BUILD
// overrides it (the arm64 VM's payload, test/arm64/native-suite.sh).
func buildDir() string {
	if d := os.Getenv("VAOCI_TEST_BUILD"); d != "" {
		return d
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	return filepath.Join("..", "build", arch)
}

func nodeConfig(t testing.TB) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib/libvaoci-preload.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(`{"runtime": "/usr/sbin/runc", "log": "`+filepath.Join(dir, "vaoci.log")+
		`", "binfmt_dir": "`+dir+`", "reports_dir": "`+filepath.Join(dir, "reports")+`", "injection": {"host_dir": "`+dir+`"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAOCI_CONFIG", cfg)
}

func container(annotations map[string]string) *resolveInput {
	a := map[string]string{"io.kubernetes.cri.container-name": "main"}
	for k, v := range annotations {
		a[k] = v
	}
	return &resolveInput{ID: "test", Annotations: a, ImagePending: true,
		Process: ociProcess{Args: []string{"/bin/probe"}, Env: []string{"PATH=/bin"}}, Mounts: []ociMount{}}
}

func TestResolve(t *testing.T) {
	nodeConfig(t)
	cases := []struct {
		desc        string
		annotations map[string]string
		refused     string // a refusing line's start, or ""
		needImage   bool
		env         string // an env entry the adjustment sets, or ""
	}{
		// on an arm64 node an unannotated amd64 image is emulated and gets the default window
		// (va-limit auto): there the image's architecture decides; on x86-64 it cannot matter
		{"unannotated: the image is asked only on an arm64 node", nil, "", runtime.GOARCH == "arm64", ""},
		{"named guest with a window: preload env, no image asked",
			map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}, "", false, "LD_PRELOAD"},
		{"bad value under fail: refused with the wrapper's line",
			map[string]string{"vaoci.io/va-limit": "x86-64"}, `vaoci.io/va-limit: value "x86-64" — expected`, false, ""},
		{"guest auto with a pod-wide window: the image's architecture decides",
			map[string]string{"vaoci.io/va-limit": "i386"}, "", true, ""},
	}
	for _, c := range cases {
		out, err := resolve(container(c.annotations))
		if err != nil || out.Error != "" {
			t.Errorf("%s: %v %s", c.desc, err, out.Error)
			continue
		}
		if out.NeedImage != c.needImage {
			t.Errorf("%s: need_image %v, want %v", c.desc, out.NeedImage, c.needImage)
			continue
		}
		if c.needImage {
			continue
		}
		if got := strings.Join(out.Lines, "\n"); out.Refused != (c.refused != "") || !strings.HasPrefix(got, c.refused) {
			t.Errorf("%s: refused %v lines %q, want %q", c.desc, out.Refused, got, c.refused)
		}
		if c.env == "" {
			continue
		}
		in := container(c.annotations)
		adj := adjustment(in, out)
		if !hasEnv(adj, c.env) || len(adj.GetHooks().GetPoststart()) != 1 || len(adj.GetMounts()) == 0 {
			t.Errorf("%s: adjustment %v lacks %s, a poststart hook or mounts", c.desc, adj, c.env)
		}
	}
}

func hasEnv(adj *api.ContainerAdjustment, name string) bool {
	for _, e := range adj.GetEnv() {
		if e.Key == name {
			return true
		}
	}
	return false
}

func TestImageArchChoosesGuest(t *testing.T) {
	nodeConfig(t)
	in := container(map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/on-error": "fail"})
	in.ImagePending, in.ImageArch = false, "riscv64"
	out, err := resolve(in)
	if err != nil || !out.Refused || !strings.Contains(strings.Join(out.Lines, ""), "the image's architecture `riscv64` is not amd64, 386 or arm64") {
		t.Errorf("riscv64 image under fail: refused %v lines %q", out.Refused, out.Lines)
	}
}

func BenchmarkResolve(b *testing.B) {
	nodeConfig(b)
	for _, tc := range []struct {
		name string
		a    map[string]string
	}{{"unannotated", nil}, {"window", map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := resolve(container(tc.a)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestNodeConfigUnreadable(t *testing.T) {
	t.Setenv("VAOCI_CONFIG", filepath.Join(t.TempDir(), "missing.json"))
	p := &plugin{}
	for _, c := range []struct {
		desc    string
		a       map[string]string
		refused bool
	}{
		{"a vaoci.io annotation: refused with the reason", map[string]string{"vaoci.io/va-limit": "i386"}, true},
		{"no vaoci.io annotation: started unchanged", nil, false},
	} {
		in := container(c.a)
		out, err := resolve(in)
		if err != nil || !strings.Contains(out.Error, "missing.json") {
			t.Fatalf("%s: want an error naming the node config, got %v %q", c.desc, err, out.Error)
		}
		adj, _, err := p.unresolved(in, out.Error)
		if (err != nil) != c.refused || adj != nil {
			t.Errorf("%s: refused %v (%v)", c.desc, err != nil, err)
		}
	}
}

// TestLaunchSetsArgs: a static qemu in binfmt_misc and an x86-64 guest give
// the launch injection, which NRI carries with SetArgs (NRI v0.10+).
func TestLaunchSetsArgs(t *testing.T) {
	nodeConfig(t)
	dir := filepath.Dir(os.Getenv("VAOCI_CONFIG"))
	qemu := filepath.Join(dir, "qemu-x86_64-static")
	static, err := os.ReadFile(filepath.Join(buildDir(), "vaoci-launch")) // any static ELF stands for the emulator
	if err != nil {
		t.Skipf("no %s/vaoci-launch: make native", buildDir())
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(qemu, static, 0o755))
	must(os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "bin/vaoci-launch"), nil, 0o755))
	must(os.WriteFile(filepath.Join(dir, "qemu-x86_64"), []byte("enabled\ninterpreter "+qemu+
		"\nflags: POCF\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefefcfffffffffffffffffeffffff\n"), 0o644))
	in := container(map[string]string{"vaoci.io/va-limit": "x86_64", "vaoci.io/guest-arch": "x86_64"})
	out, err := resolve(in)
	if err != nil || out.Refused || out.Error != "" {
		t.Fatalf("resolve: %v refused %v %q %q", err, out.Refused, out.Lines, out.Error)
	}
	adj := adjustment(in, out)
	want := []string{filepath.Join(dir, "bin/vaoci-launch"), "--binfmt-flags=POCF", "--", qemu, "/bin/probe"}
	if got := adj.GetArgs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("SetArgs %q, want %q", got, want)
	}
}

// TestNodeConfigFollowsChanges: the plugin keeps the parsed node config, but
// a rewritten file (as an install writes it: a new inode) is read again.
func TestNodeConfigFollowsChanges(t *testing.T) {
	nodeConfig(t)
	cfg := os.Getenv("VAOCI_CONFIG")
	in := container(map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"})
	if out, err := resolve(in); err != nil || out.Refused {
		t.Fatalf("first: %v %v", err, out)
	}
	text, _ := os.ReadFile(cfg)
	warn := strings.Replace(string(text), `"runtime"`, `"defaults": {"on_error": "warn"}, "runtime"`, 1)
	if err := os.WriteFile(cfg+".new", []byte(warn), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cfg+".new", cfg); err != nil {
		t.Fatal(err)
	}
	out, err := resolve(in)
	if err != nil || out.OnError != "warn" {
		t.Errorf("after the rewrite: on_error %q (%v), want warn", out.OnError, err)
	}
}

// BenchmarkCreateContainer: the plugin's whole CreateContainer for a pod
// shaped as the kubelet makes them (containerd's annotations, a dozen
// mounts, the service env), with a window and without.
func BenchmarkCreateContainer(b *testing.B) {
	nodeConfig(b)
	p := &plugin{verifyHere: true}
	window := map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}
	var mounts []*api.Mount
	for _, d := range []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/dev/termination-log",
		"/var/run/secrets/kubernetes.io/serviceaccount", "/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup"} {
		mounts = append(mounts, &api.Mount{Destination: d, Type: "bind", Source: "/var/lib/kubelet/x" + d, Options: []string{"rbind", "ro", "nosuid"}})
	}
	ctr := &api.Container{Id: strings.Repeat("0123456789abcdef", 4), Name: "c", Args: []string{"/bin/true"}, Mounts: mounts,
		Annotations: map[string]string{"io.kubernetes.cri.container-name": "c", "io.kubernetes.cri.image-name": "vaoci.test/testbox:1",
			"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-name": "bench", "io.kubernetes.cri.sandbox-namespace": "default"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=bench",
			"KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_PORT=tcp://10.96.0.1:443"}}
	for _, tc := range []struct {
		name string
		a    map[string]string
	}{{"window", window}} {
		b.Run(tc.name, func(b *testing.B) {
			pod := &api.PodSandbox{Namespace: "default", Name: "bench", Annotations: tc.a}
			for i := 0; i < b.N; i++ {
				if _, _, err := p.CreateContainer(context.Background(), pod, ctr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
