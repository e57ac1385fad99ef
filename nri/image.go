package main

// The guest's architecture, without the wrapper's bundle: NRI's
// CreateContainer carries no rootfs (the snapshot is not mounted yet) and no
// image config, only the image's name in the engine's annotations. The
// image's config says its architecture; the engine's CRI image service gives
// it (containerd: ImageStatus verbose info "imageSpec"), so one CRI call per
// container, on the engine's socket.

import (
	"context"
	"encoding/json"
	"fmt"
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
}

func newImageArch(endpoint string, timeout time.Duration) (*imageArch, error) {
	conn, err := grpc.NewClient("unix://"+endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("CRI endpoint `%s`: %w", endpoint, err)
	}
	return &imageArch{client: runtimeapi.NewImageServiceClient(conn), timeout: timeout}, nil
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
	return info.ImageSpec.Architecture, ""
}
