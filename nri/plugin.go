package main

// plugin is vaoci's NRI plugin: on CreateContainer it builds the OCI-shaped
// view the wrapper would have seen, has the C resolver decide, and returns
// the adjustment, or refuses the container with the wrapper's line.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/containerd/nri/pkg/api"
)

const annotationPrefix = "vaoci.io/"

type plugin struct {
	namespaces map[string]bool // allowed pod namespaces; nil: all
	images     *imageArch
	timing     bool   // log each CreateContainer's time (-timing)
	hook       string // vaoci-hook on the node (-hook); "": beside this binary
	// verifyHere: check windows on PostStartContainer (-verify plugin) instead of a
	// poststart vaoci-hook per container; pending holds the checks until then
	verifyHere bool
	settleMs   int
	pending    checks
	pids       *containerPids // the pid when NRI gives none (CRI-O)
}

// allowed: the pod's namespace is on the allow-list (NVIDIA's plugin's habit).
func (p *plugin) allowed(pod *api.PodSandbox) bool {
	return p.namespaces == nil || p.namespaces[pod.GetNamespace()]
}

// annotations are what the wrapper reads in the spec: the container's own,
// plus the pod's vaoci.io/ keys (the runtime class passes those with
// pod_annotations); the container's win.
func annotations(pod *api.PodSandbox, ctr *api.Container) map[string]string {
	out := map[string]string{}
	for k, v := range pod.GetAnnotations() {
		if strings.HasPrefix(k, annotationPrefix) {
			out[k] = v
		}
	}
	for k, v := range ctr.GetAnnotations() {
		out[k] = v
	}
	return out
}

func (p *plugin) input(pod *api.PodSandbox, ctr *api.Container) *resolveInput {
	in := &resolveInput{ID: ctr.GetId(), Annotations: annotations(pod, ctr), Hook: p.hook,
		Process: ociProcess{Args: ctr.GetArgs(), Env: ctr.GetEnv()}}
	for _, m := range ctr.GetMounts() {
		in.Mounts = append(in.Mounts, ociMount{Destination: m.Destination, Type: m.Type, Source: m.Source, Options: m.Options})
	}
	if in.Process.Args == nil {
		in.Process.Args = []string{}
	}
	if in.Process.Env == nil {
		in.Process.Env = []string{}
	}
	if in.Mounts == nil {
		in.Mounts = []ociMount{}
	}
	in.ImagePending = true
	return in
}

// resolveContainer asks the C side first without the image; only when the
// image's architecture could change the outcome does it ask the engine.
func (p *plugin) resolveContainer(ctx context.Context, in *resolveInput, ctr *api.Container) (*resolveOutput, time.Duration, error) {
	out, err := resolve(in)
	if err != nil || !out.NeedImage {
		return out, 0, err
	}
	t := time.Now()
	in.ImagePending = false
	in.ImageArch, in.ImageError = p.images.arch(ctx, imageName(ctr.GetAnnotations()))
	d := time.Since(t)
	out, err = resolve(in)
	return out, d, err
}

// CreateContainer adjusts one container, or refuses it under on-error fail.
func (p *plugin) CreateContainer(ctx context.Context, pod *api.PodSandbox, ctr *api.Container) (*api.ContainerAdjustment, []*api.ContainerUpdate, error) {
	if !p.allowed(pod) {
		return nil, nil, nil
	}
	t0 := time.Now()
	in := p.input(pod, ctr)
	out, dImage, err := p.resolveContainer(ctx, in, ctr)
	if p.timing {
		log.Printf("timing %s: image status %d µs, resolve %d µs", ctr.GetId(), dImage.Microseconds(), (time.Since(t0) - dImage).Microseconds())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("vaoci-nri: %w", err)
	}
	if out.Error != "" {
		return p.unresolved(in, out.Error)
	}
	if out.Refused {
		return nil, nil, errors.New("vaoci-nri: " + strings.Join(out.Lines, "\nvaoci-nri: "))
	}
	for _, l := range out.Lines {
		log.Printf("%s/%s %s: warning: %s", pod.GetNamespace(), pod.GetName(), ctr.GetName(), l)
	}
	if out.Changed == 0 {
		return nil, nil, nil
	}
	if p.verifyHere {
		p.takeHooks(ctr.GetId(), out)
	}
	adj := adjustment(in, out)
	if args := adj.GetArgs(); len(args) > 0 {
		p.pending.expectArgs(ctr.GetId(), args)
	}
	return adj, nil, nil
}

// takeHooks moves the vaoci-hook poststart entries the modifiers added
// into the plugin's own checks (PostStartContainer makes them); an entry it
// cannot read stays a hook, so nothing goes unverified.
func (p *plugin) takeHooks(id string, out *resolveOutput) {
	kept := out.Config.Hooks.Poststart[:0]
	for _, h := range out.Config.Hooks.Poststart {
		if len(h.Args) > 0 && h.Args[0] == "vaoci-hook" {
			k, err := hookCheck(h)
			if err == nil {
				p.pending.put(id, k)
				continue
			}
			log.Printf("%s: %v: left to the hook", id, err)
		}
		kept = append(kept, h)
	}
	out.Config.Hooks.Poststart = kept
}

// unresolved: the node config is unreadable (the wrapper refuses every
// container then, since it cannot find the real runtime). The plugin refuses
// only containers that ask for vaoci, so a broken config does not stop the
// node's other pods.
func (p *plugin) unresolved(in *resolveInput, why string) (*api.ContainerAdjustment, []*api.ContainerUpdate, error) {
	for k := range in.Annotations {
		if strings.HasPrefix(k, annotationPrefix) {
			return nil, nil, errors.New("vaoci-nri: " + why)
		}
	}
	log.Printf("%s: warning: %s (no vaoci.io annotation: started unchanged)", in.ID, why)
	return nil, nil, nil
}
