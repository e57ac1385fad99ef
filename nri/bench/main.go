// vaoci-nri-bench: times CRI CreateContainer and StartContainer from one
// client process (no crictl per call), for test/nri/run.sh's side-by-side
// bench of bare, wrapper and NRI. Prints one line per container:
// "CREATE_US START_US", then "# forks N": the processes the machine created
// meanwhile (/proc/stat's processes; the client itself creates none).
//
//	vaoci-nri-bench -pod-id ID -pod POD.json -ctr CTR.json -n N
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func load(path string, v any) {
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}

// forks is how many processes the machine has created since boot.
func forks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "processes "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				log.Fatalf("/proc/stat: %q", l)
			}
			return n
		}
	}
	log.Fatal("/proc/stat: no processes line")
	return 0
}

func main() {
	log.SetPrefix("vaoci-nri-bench: ")
	log.SetFlags(0)
	endpoint := flag.String("cri-socket", "/run/containerd/containerd.sock", "the engine's CRI socket")
	podID := flag.String("pod-id", "", "the sandbox to create containers in")
	podPath := flag.String("pod", "", "the sandbox's config (crictl's JSON)")
	ctrPath := flag.String("ctr", "", "the container's config (crictl's JSON); its name gets -N")
	n := flag.Int("n", 10, "containers to create and start")
	flag.Parse()
	var pod runtimeapi.PodSandboxConfig
	var ctr runtimeapi.ContainerConfig
	load(*podPath, &pod)
	load(*ctrPath, &ctr)
	conn, err := grpc.NewClient("unix://"+*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	ctx := context.Background()
	name := ctr.Metadata.Name
	before := forks()
	for i := 0; i < *n; i++ {
		ctr.Metadata.Name = fmt.Sprintf("%s-%d", name, i)
		t0 := time.Now()
		c, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: *podID, Config: &ctr, SandboxConfig: &pod})
		if err != nil {
			log.Fatalf("create: %v", err)
		}
		t1 := time.Now()
		if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
			log.Fatalf("start: %v", err)
		}
		fmt.Printf("%d %d\n", t1.Sub(t0).Microseconds(), time.Since(t1).Microseconds())
	}
	fmt.Printf("# forks %d\n", forks()-before)
}
