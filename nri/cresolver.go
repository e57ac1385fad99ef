package main

// The C resolver, linked from make's static libraries (build/<arch>/):
// libvaoci-hookstages.a (the hook's poststart check and report),
// libvaoci-hookcommon.a (detection, modifiers, node config, node log),
// libvaoci-policy.a (the resolver the test vectors hold), libvaoci.a and
// jansson. `make nri` passes their directory in CGO_LDFLAGS.

/*
#cgo CFLAGS: -std=gnu11 -O2 -I${SRCDIR}/../native/include -I${SRCDIR}/../build/gen -I${SRCDIR}/../hook/policy -I${SRCDIR}/../hook/common -I${SRCDIR}/../hook/ocihook
#cgo LDFLAGS: -lvaoci-hookstages -lvaoci-hookcommon -lvaoci-policy -lvaoci -ljansson
#include <stdlib.h>
#include "resolve.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"unsafe"
)

// resolveInput is one container as the C side reads it (resolve.h).
type resolveInput struct {
	ID           string            `json:"id"`
	Annotations  map[string]string `json:"annotations"`
	Process      ociProcess        `json:"process"`
	Mounts       []ociMount        `json:"mounts"`
	ImagePending bool              `json:"image_pending"`
	ImageArch    string            `json:"image_arch"`
	ImageError   string            `json:"image_error"`
	Hook         string            `json:"hook,omitempty"` // vaoci-hook on the node; "": beside this binary
}

type ociProcess struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
}

type ociMount struct {
	Destination string   `json:"destination"`
	Type        string   `json:"type,omitempty"`
	Source      string   `json:"source,omitempty"`
	Options     []string `json:"options,omitempty"`
}

type ociHook struct {
	Path    string   `json:"path"`
	Args    []string `json:"args,omitempty"`
	Env     []string `json:"env,omitempty"`
	Timeout *int     `json:"timeout,omitempty"`
}

// resolveOutput is the C side's answer: the wrapper's lines and its
// modifiers' result on the OCI-shaped input.
type resolveOutput struct {
	Error     string   `json:"error"`
	NeedImage bool     `json:"need_image"` // the image's architecture could change the outcome: ask, then resolve again
	Refused   bool     `json:"refused"`
	Lines     []string `json:"lines"`
	OnError   string   `json:"on_error"`
	Changed   int      `json:"changed"`
	Config    struct {
		Process ociProcess `json:"process"`
		Mounts  []ociMount `json:"mounts"`
		Hooks   struct {
			Poststart []ociHook `json:"poststart"`
		} `json:"hooks"`
	} `json:"config"`
}

// resolve hands one container to vaoci_nri_resolve.
func resolve(in *resolveInput) (*resolveOutput, error) {
	text, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	ctext := C.CString(string(text))
	defer C.free(unsafe.Pointer(ctext))
	cout := C.vaoci_nri_resolve(ctext, C.size_t(len(text)))
	if cout == nil {
		return nil, errors.New("resolve: out of memory")
	}
	defer C.free(unsafe.Pointer(cout))
	out := &resolveOutput{}
	if err := json.Unmarshal([]byte(C.GoString(cout)), out); err != nil {
		return nil, err
	}
	return out, nil
}
