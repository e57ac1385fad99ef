package main

// The guest's architecture, without the wrapper's bundle: NRI's
// CreateContainer carries no rootfs (the snapshot is not mounted yet) and no
// image config, only the image's name in the engine's annotations. The
// image's config says its architecture; the engine's CRI image service gives
// it (containerd: ImageStatus verbose info "imageSpec"): one CRI call, on the
// engine's socket, made while the engine waits for the plugin's answer. The
// answer is kept for a while (-image-cache), so a Deployment's replicas, a
// pod's containers of one image and a crash loop ask once: NRI names the
// image only by the name the pod gave, which a re-pushed tag can point
// elsewhere, so an entry lives seconds, not forever.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// imageNameKeys are where containerd and CRI-O name a container's image.
var imageNameKeys = []string{"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName"}

// imageArch asks the engine's CRI image service for images' architectures.
type imageArch struct {
	client  runtimeapi.ImageServiceClient
	timeout time.Duration
	ttl     time.Duration // how long an answer is kept; 0: never
	now     func() time.Time

	mu    sync.Mutex
	known map[string]knownArch
}

// knownArch is one image's answer (only found architectures are kept: a
// failure is asked again next time).
type knownArch struct {
	arch string
	at   time.Time
}

// maxKnown bounds the cache: a node runs at most a few hundred images.
const maxKnown = 1024

// dialCRI opens the engine's CRI socket (connected lazily, on the first call).
func dialCRI(endpoint string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient("unix://"+endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("CRI endpoint `%s`: %w", endpoint, err)
	}
	return conn, nil
}

func newImageArch(conn *grpc.ClientConn, timeout, ttl time.Duration) *imageArch {
	return &imageArch{client: runtimeapi.NewImageServiceClient(conn), timeout: timeout, ttl: ttl, now: time.Now,
		known: map[string]knownArch{}}
}

// cached is the image's kept architecture, or "".
func (a *imageArch) cached(image string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.known[image]
	if !ok || a.now().Sub(k.at) >= a.ttl {
		return ""
	}
	return k.arch
}

func (a *imageArch) keep(image, arch string) {
	if a.ttl <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if len(a.known) >= maxKnown { // drop the expired, else everything: the next creates ask again
		for name, k := range a.known {
			if now.Sub(k.at) >= a.ttl {
				delete(a.known, name)
			}
		}
		if len(a.known) >= maxKnown {
			a.known = map[string]knownArch{}
		}
	}
	a.known[image] = knownArch{arch, now}
}

// imageName is the container's image as its engine named it, or "".
func imageName(annotations map[string]string) string {
	for _, k := range imageNameKeys {
		if v := annotations[k]; v != "" {
			return v
		}
	}
	return ""
}

// arch returns the image's architecture (GOARCH words: amd64, 386, arm64),
// or "" and why not.
func (a *imageArch) arch(ctx context.Context, image string) (string, string) {
	if image == "" {
		return "", "the engine did not name the image (no io.kubernetes.cri.image-name annotation)"
	}
	if arch := a.cached(image); arch != "" {
		return arch, ""
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	resp, err := a.client.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: image}, Verbose: true})
	if err != nil {
		return "", fmt.Sprintf("image `%s`: %v", image, err)
	}
	var info struct {
		ImageSpec struct {
			Architecture string `json:"architecture"`
		} `json:"imageSpec"`
	}
	if err := json.Unmarshal([]byte(resp.GetInfo()["info"]), &info); err != nil || info.ImageSpec.Architecture == "" {
		return "", fmt.Sprintf("image `%s`: the engine's image status names no architecture", image)
	}
	a.keep(image, info.ImageSpec.Architecture)
	return info.ImageSpec.Architecture, ""
}
