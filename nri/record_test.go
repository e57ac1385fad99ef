package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecordMode: the plugin acts only on a node whose install chose nri; a
// record from before NRI (no mode) is the runtime class's.
func TestRecordMode(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "install.json")
	for _, c := range []struct {
		desc, text, mode, why string
	}{
		{"missing", "", "", "is missing: vaoci is not installed"},
		{"nri", `{"version": 1, "mode": "nri"}`, modeNRI, ""},
		{"no mode: an older record", `{"version": 1}`, modeRuntimeClass, "says mode runtime-class"},
		{"runtime-class", `{"mode": "runtime-class"}`, modeRuntimeClass, "the runtime class adjusts"},
		{"not JSON", `{`, "", "not JSON"},
	} {
		os.Remove(file)
		if c.text != "" {
			if err := os.WriteFile(file, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		mode, why := recordMode(file)
		if mode != c.mode || !strings.Contains(why, c.why) || (c.why == "") != (why == "") {
			t.Errorf("%s: mode %q why %q, want %q and %q", c.desc, mode, why, c.mode, c.why)
		}
	}
}

// TestWriteWhole: the status file and its directory appear whole; no temp is left.
func TestWriteWhole(t *testing.T) {
	file := filepath.Join(t.TempDir(), "run/vaoci/nri.status")
	if err := writeWhole(file, []byte("connected\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != "connected\n" {
		t.Errorf("got %q", b)
	}
	if _, err := os.Stat(file + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temp left: %v", err)
	}
}

// TestImageArchCache: an answer is kept for the TTL and no longer; failures
// are not kept; the cache stays bounded.
func TestImageArchCache(t *testing.T) {
	now := time.Unix(1000, 0)
	a := &imageArch{ttl: 30 * time.Second, now: func() time.Time { return now }, known: map[string]knownArch{}}
	a.keep("docker.io/library/x:1", "amd64")
	if got := a.cached("docker.io/library/x:1"); got != "amd64" {
		t.Errorf("kept: %q", got)
	}
	now = now.Add(30 * time.Second)
	if got := a.cached("docker.io/library/x:1"); got != "" {
		t.Errorf("expired after the TTL, got %q", got)
	}
	for i := 0; i < maxKnown+10; i++ {
		a.keep(fmt.Sprintf("img-%d", i), "arm64")
	}
	if len(a.known) > maxKnown {
		t.Errorf("cache grew to %d", len(a.known))
	}
	off := &imageArch{ttl: 0, now: time.Now, known: map[string]knownArch{}}
	off.keep("y", "amd64")
	if off.cached("y") != "" {
		t.Error("-image-cache 0 kept an answer")
	}
}
