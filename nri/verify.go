package main

// Verification without a process per container (-verify plugin): the
// modifiers ask for vaoci-hook as a poststart hook whenever a window is to
// be verified; instead of handing that hook to the engine, the plugin keeps
// its arguments and makes the same check itself when NRI says the
// container started (PostStartContainer: its pid, in the host's pid
// namespace), with the hook's own C (hook/ocihook/settle.c): the same
// report, node log lines and kill under on-error fail.

/*
#include <stdlib.h>
#include "resolve.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/containerd/nri/pkg/api"
)

// check is what a poststart vaoci-hook would have been told (its args),
// and the process args the adjustment set (SetArgs), to see them kept.
type check struct {
	window, onError, name string
	args                  []string
}

// maxPending bounds the checks kept for containers not started yet (a
// create refused after this plugin, a container never started): past it,
// the oldest go, and such a container is started unverified.
const maxPending = 4096

// checks holds the checks of created containers until they start or go.
type checks struct {
	mu    sync.Mutex
	by    map[string]check
	order []string
}

func (c *checks) put(id string, k check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]check{}
	}
	if _, ok := c.by[id]; !ok {
		c.order = append(c.order, id)
	}
	c.by[id] = k
	for len(c.by) > maxPending && len(c.order) > 0 {
		delete(c.by, c.order[0])
		c.order = c.order[1:]
	}
}

// expectArgs notes the args SetArgs gave a container that has a check.
func (c *checks) expectArgs(id string, args []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.by[id]; ok {
		k.args = args
		c.by[id] = k
	}
}

// take removes and returns a container's check.
func (c *checks) take(id string) (check, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.by[id]
	if ok {
		delete(c.by, id)
		for i, o := range c.order {
			if o == id {
				c.order = append(c.order[:i], c.order[i+1:]...)
				break
			}
		}
	}
	return k, ok
}

// hookCheck reads a vaoci-hook poststart entry's args (hook/common/modify.c):
// vaoci-hook poststart --va-limit W --on-error fail|warn [--container NAME].
func hookCheck(h ociHook) (check, error) {
	var k check
	a := h.Args
	if len(a) < 2 || a[1] != "poststart" {
		return k, errors.New("not a poststart vaoci-hook")
	}
	for i := 2; i+1 < len(a); i += 2 {
		switch a[i] {
		case "--va-limit":
			k.window = a[i+1]
		case "--on-error":
			k.onError = a[i+1]
		case "--container":
			k.name = a[i+1]
		default:
			return k, errors.New("unknown vaoci-hook argument " + a[i])
		}
	}
	if k.window == "" || k.onError == "" {
		return k, errors.New("vaoci-hook args without --va-limit or --on-error: " + strings.Join(a, " "))
	}
	return k, nil
}

// verifyResult is vaoci_nri_verify's answer.
type verifyResult struct {
	OK      bool   `json:"ok"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// verify makes the check on a started container's process; it blocks (see vaoci_nri_verify).
func verify(id string, pid int, k check, env []string, settleMs int) (*verifyResult, error) {
	if env == nil {
		env = []string{}
	}
	envJSON, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	cs := []*C.char{C.CString(id), C.CString(k.name), C.CString(k.window), C.CString(k.onError), C.CString(string(envJSON))}
	defer func() {
		for _, s := range cs {
			C.free(unsafe.Pointer(s))
		}
	}()
	out := C.vaoci_nri_verify(cs[0], cs[1], C.int(pid), cs[2], cs[3], cs[4], C.long(settleMs))
	if out == nil {
		return nil, errors.New("verify: out of memory")
	}
	defer C.free(unsafe.Pointer(out))
	r := &verifyResult{}
	return r, json.Unmarshal([]byte(C.GoString(out)), r)
}

// PostStartContainer verifies a container the plugin adjusted, off NRI's
// thread: the engine's StartContainer does not wait for it.
func (p *plugin) PostStartContainer(_ context.Context, pod *api.PodSandbox, ctr *api.Container) error {
	k, ok := p.pending.take(ctr.GetId())
	if !ok {
		return nil
	}
	where := pod.GetNamespace() + "/" + pod.GetName() + " " + ctr.GetName()
	if k.args != nil && !slices.Equal(ctr.GetArgs(), k.args) {
		// an engine whose NRI predates SetArgs (v0.10) drops it without a word: the check below
		// then finds the window not held (the launcher never ran) and acts on it
		log.Printf("%s: warning: the engine dropped NRI's SetArgs (its NRI is older than v0.10): started as %q, not through %s",
			where, ctr.GetArgs(), k.args[0])
	}
	go func() {
		pid := int(ctr.GetPid())
		if pid <= 0 && p.pids != nil {
			if got, err := p.pids.pid(context.Background(), ctr.GetId()); err == nil {
				pid = got
			} else {
				log.Printf("%s: %v", where, err)
			}
		}
		r, err := verify(ctr.GetId(), pid, k, ctr.GetEnv(), p.settleMs)
		if err != nil {
			log.Printf("%s: verify: %v", where, err)
		} else if p.timing || !r.OK {
			log.Printf("%s: %s: %s", where, r.Status, r.Message)
		}
	}()
	return nil
}

// RemoveContainer forgets a check whose container never started.
func (p *plugin) RemoveContainer(_ context.Context, _ *api.PodSandbox, ctr *api.Container) error {
	p.pending.take(ctr.GetId())
	return nil
}
