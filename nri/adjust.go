package main

// adjustment turns the wrapper's modifiers' result (the OCI-shaped input
// after hook/common/modify.c) into NRI's ContainerAdjustment: the modifiers
// stay the one place that decides what changes; this only carries it.

import (
	"slices"
	"strings"

	"github.com/containerd/nri/pkg/api"
)

func adjustment(in *resolveInput, out *resolveOutput) *api.ContainerAdjustment {
	adj := &api.ContainerAdjustment{}
	for _, e := range out.Config.Process.Env {
		if !slices.Contains(in.Process.Env, e) {
			name, value, _ := strings.Cut(e, "=")
			adj.AddEnv(name, value)
		}
	}
	for _, m := range out.Config.Mounts[min(len(in.Mounts), len(out.Config.Mounts)):] { // the modifiers only append
		adj.AddMount(&api.Mount{Destination: m.Destination, Type: m.Type, Source: m.Source, Options: m.Options})
	}
	if !slices.Equal(in.Process.Args, out.Config.Process.Args) {
		adj.SetArgs(out.Config.Process.Args)
	}
	if hooks := out.Config.Hooks.Poststart; len(hooks) > 0 {
		h := &api.Hooks{}
		for _, o := range hooks {
			hook := &api.Hook{Path: o.Path, Args: o.Args, Env: o.Env}
			if o.Timeout != nil {
				hook.Timeout = api.Int(*o.Timeout)
			}
			h.Poststart = append(h.Poststart, hook)
		}
		adj.AddHooks(h)
	}
	return adj
}
