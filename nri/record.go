package main

// The install record gate (-install-record): in the chart's auto mode every
// node runs the plugin, but only the nodes whose installer chose NRI (the
// engine has it) may be adjusted by it; elsewhere the runtime class does the
// work, and a plugin acting too would reach pods that never opted in.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

const (
	modeNRI          = "nri"
	modeRuntimeClass = "runtime-class"
	recordPoll       = 10 * time.Second
)

// recordMode reads the mode `vaoci node install` recorded (schemas/node-install.schema.json;
// a record without one is from the runtime class, the only mode there was),
// or "" and why not.
func recordMode(file string) (string, string) {
	text, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Sprintf("%s is missing: vaoci is not installed on this node (yet)", file)
	}
	if err != nil {
		return "", fmt.Sprintf("%s: %v", file, err)
	}
	var r struct {
		Mode string `json:"mode"`
	}
	if err := json.Unmarshal(text, &r); err != nil {
		return "", fmt.Sprintf("%s: not JSON (%v)", file, err)
	}
	if r.Mode == "" {
		r.Mode = modeRuntimeClass
	}
	if r.Mode != modeNRI {
		return r.Mode, fmt.Sprintf("%s says mode %s: the runtime class adjusts this node's containers, not NRI", file, r.Mode)
	}
	return r.Mode, ""
}

// writeWhole replaces file with data, never leaving a part of it: a
// temporary file beside it, renamed over it (its directory made when missing).
func writeWhole(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
