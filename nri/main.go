// vaoci-nri: vaoci's NRI plugin. One long-running process adjusts every
// container as the engine creates it (env, mounts, process args, a
// poststart hook), with the policy decided by the wrapper's C resolver.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/containerd/nri/pkg/stub"
)

type options struct {
	name, idx, socket, cri, namespaces string
	imageTimeout                       time.Duration
	timing                             bool
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.name, "name", "vaoci", "the plugin's name (NRI's required-plugins annotations name it)")
	flag.StringVar(&o.idx, "idx", "50", "the plugin's index: its place among NRI plugins")
	flag.StringVar(&o.socket, "nri-socket", "/var/run/nri/nri.sock", "the engine's NRI socket")
	flag.StringVar(&o.cri, "cri-socket", "/run/containerd/containerd.sock", "the engine's CRI socket, for images' architectures")
	flag.StringVar(&o.namespaces, "namespaces", "*", "pod namespaces vaoci acts in, comma-separated; * for all")
	flag.DurationVar(&o.imageTimeout, "image-timeout", time.Second, "how long to wait for an image's status")
	flag.BoolVar(&o.timing, "timing", false, "log each CreateContainer's time on stderr")
	flag.Parse()
	return o
}

// allowList parses -namespaces: nil for "*".
func allowList(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "*" {
		return nil, nil
	}
	m := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n == "" || n == "*" {
			return nil, fmt.Errorf("-namespaces: value %q — expected * or a comma-separated list of namespaces", s)
		}
		m[n] = true
	}
	return m, nil
}

func run(o *options) error {
	ns, err := allowList(o.namespaces)
	if err != nil {
		return err
	}
	images, err := newImageArch(o.cri, o.imageTimeout)
	if err != nil {
		return err
	}
	s, err := stub.New(&plugin{namespaces: ns, images: images, timing: o.timing},
		stub.WithPluginName(o.name), stub.WithPluginIdx(o.idx), stub.WithSocketPath(o.socket))
	if err != nil {
		return fmt.Errorf("NRI: %w", err)
	}
	if err := s.Run(context.Background()); err != nil {
		return fmt.Errorf("NRI: %w", err)
	}
	return fmt.Errorf("NRI: the engine closed the connection")
}

func main() {
	log.SetPrefix("vaoci-nri: ")
	log.SetFlags(0)
	if err := run(parseFlags()); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}
