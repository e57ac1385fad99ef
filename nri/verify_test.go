package main

// The plugin's own poststart check on real processes: one holding the
// i386 window through the real preload, one without it under warn (it
// runs on) and under fail (killed), each with its report and node log line.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sleeper starts a dynamically linked program that lingers (/bin/sleep;
// $VAOCI_TEST_LINGER in the arm64 VM, whose root has no libc) with env.
func sleeper(t *testing.T, env []string) *exec.Cmd {
	prog := os.Getenv("VAOCI_TEST_LINGER")
	if prog == "" {
		prog = "/bin/sleep"
	}
	cmd := exec.Command(prog, "30")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func report(t *testing.T, id string) map[string]any {
	cfg, _ := os.ReadFile(os.Getenv("VAOCI_CONFIG"))
	var node struct {
		ReportsDir string `json:"reports_dir"`
	}
	json.Unmarshal(cfg, &node)
	b, err := os.ReadFile(filepath.Join(node.ReportsDir, id+".json"))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyRealProcesses(t *testing.T) {
	preload, err := filepath.Abs(filepath.Join(buildDir(), "libvaoci-preload.so"))
	if _, serr := os.Stat(preload); err != nil || serr != nil {
		t.Skipf("no %s/libvaoci-preload.so: make native", buildDir())
	}
	nodeConfig(t)
	k := check{window: "i386", onError: "fail", name: "main"}

	env := []string{"PATH=/usr/bin:/bin", "LD_PRELOAD=" + preload, "VAOCI_VA_LIMIT=i386", "VAOCI_ON_ERROR=fail"}
	held := sleeper(t, env)
	r, err := verify("c-holds", held.Process.Pid, k, env, 250)
	if err != nil || !r.OK || r.Status != "holds" {
		t.Fatalf("with the preload: %+v %v", r, err)
	}
	if rep := report(t, "c-holds"); rep["tool"] != "vaoci-nri" || rep["status"] != "holds" {
		t.Errorf("report: %v", rep)
	}

	plain := []string{"PATH=/usr/bin:/bin", "X_VAOCI_TEST=1"}
	warned := sleeper(t, plain)
	r, err = verify("c-warn", warned.Process.Pid, check{window: "i386", onError: "warn", name: "main"}, plain, 50)
	if err != nil || r.OK || r.Status != "does-not-hold" {
		t.Fatalf("without the preload under warn: %+v %v", r, err)
	}
	if err := warned.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("under warn the process runs on: %v", err)
	}

	failed := sleeper(t, plain)
	t0 := time.Now()
	r, err = verify("c-fail", failed.Process.Pid, k, plain, 50)
	if err != nil || r.OK || r.Status != "does-not-hold" {
		t.Fatalf("without the preload under fail: %+v %v", r, err)
	}
	err = failed.Wait()
	if ws, ok := failed.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("under fail the process is killed: %v", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("the verdict took %v", d)
	}
	logText, _ := os.ReadFile(filepath.Join(filepath.Dir(os.Getenv("VAOCI_CONFIG")), "vaoci.log"))
	for _, want := range []string{"vaoci-nri", "c-holds: va-limit i386 holds", "c-fail: killed pid"} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("node log lacks %q:\n%s", want, logText)
		}
	}
}

// TestTakeHooks: with -verify plugin, the vaoci-hook entry becomes the
// plugin's check and leaves the adjustment; another hook stays.
func TestTakeHooks(t *testing.T) {
	nodeConfig(t)
	in := container(map[string]string{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"})
	out, err := resolve(in)
	if err != nil || out.Refused {
		t.Fatal(err, out)
	}
	out.Config.Hooks.Poststart = append(out.Config.Hooks.Poststart, ociHook{Path: "/usr/bin/other", Args: []string{"other"}})
	p := &plugin{verifyHere: true}
	p.takeHooks("c1", out)
	adj := adjustment(in, out)
	if hs := adj.GetHooks().GetPoststart(); len(hs) != 1 || hs[0].Path != "/usr/bin/other" {
		t.Errorf("hooks left: %v", hs)
	}
	if k, ok := p.pending.take("c1"); !ok || k.window != "i386" || k.onError != "fail" || k.name != "main" {
		t.Errorf("check: %+v %v", k, ok)
	}
	if _, ok := p.pending.take("c1"); ok {
		t.Error("a check is taken once")
	}
}

// TestVerifyNoPid: an engine that names no pid (CRI-O 1.34's NRI leaves it 0,
// and the CRI status could not say either) gets an error verdict, never a
// look at /proc/0 or a kill, and the report says why.
func TestVerifyNoPid(t *testing.T) {
	nodeConfig(t)
	r, err := verify("c-nopid", 0, check{window: "i386", onError: "fail", name: "main"}, nil, 50)
	if err != nil || r.OK || r.Status != "error" || !strings.Contains(r.Message, "named no pid") {
		t.Fatalf("pid 0: %+v %v", r, err)
	}
	if rep := report(t, "c-nopid"); rep["status"] != "error" || rep["ok"] != false {
		t.Errorf("report: %v", rep)
	}
}
