package main

// A started container's process, when NRI does not say: containerd fills
// PostStartContainer's Container.Pid, CRI-O 1.34 leaves it 0. Both engines'
// CRI ContainerStatus (verbose) carries it in info["info"]'s "pid".

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

type containerPids struct {
	client  runtimeapi.RuntimeServiceClient
	timeout time.Duration
}

func newContainerPids(conn *grpc.ClientConn, timeout time.Duration) *containerPids {
	return &containerPids{client: runtimeapi.NewRuntimeServiceClient(conn), timeout: timeout}
}

// pid is the container's process in the host's pid namespace, from the engine's status.
func (c *containerPids) pid(ctx context.Context, id string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.client.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if err != nil {
		return 0, fmt.Errorf("container status: %w", err)
	}
	var info struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(resp.GetInfo()["info"]), &info); err != nil || info.Pid <= 0 {
		return 0, fmt.Errorf("the engine's container status names no pid")
	}
	return info.Pid, nil
}
